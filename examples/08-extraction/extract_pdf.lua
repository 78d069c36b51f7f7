-- Extract the text of a PDF as Markdown paragraphs, with its Info metadata (page count, title, ...).
--
-- `path` is interpolated; `_flow_dir` is the folder of this flow file. format = "text" (default) keeps the
-- lines and page breaks as the PDF has them; "markdown" joins the lines of each paragraph.
local flow = Flow.new("extract_pdf")

flow:step("extract", nodes.extract_pdf({
  path = "${ctx._flow_dir}/samples/sample.pdf",
  format = "markdown",
  output_key = "pdf_text",
  metadata_key = "pdf_meta",
}))

flow:step("show", nodes.log({
  message = "${ctx.pdf_meta.title} by ${ctx.pdf_meta.author}, ${ctx.pdf_meta.pages} pages:\n${ctx.pdf_text}",
})):depends_on("extract")

flow:step("check", function(ctx)
  assert(ctx.pdf_meta.pages == 2, "two pages")
  assert(ctx.pdf_meta.title == "IronFlow sample — extraction", "title decoded from UTF-16")
  assert(string.find(ctx.pdf_text, "IronFlow runs Lua flows as graphs of steps. Each step", 1, true), "paragraph joined")
  return { verified = true }
end):depends_on("show")

return flow
