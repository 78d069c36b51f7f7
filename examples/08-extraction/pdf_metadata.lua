-- Read the page count and Info dictionary of a PDF. The path comes from the context (source_key): a
-- function step computes it first.
local flow = Flow.new("pdf_metadata")

flow:step("locate", function(ctx)
  return { pdf_file = ctx._flow_dir .. "/samples/sample.pdf" }
end)

flow:step("metadata", nodes.pdf_metadata({
  source_key = "pdf_file",
  output_key = "pdf_info",
})):depends_on("locate")

flow:step("show", nodes.log({
  message = "${ctx.pdf_info.pages} pages, title '${ctx.pdf_info.title}', created ${ctx.pdf_info.created}",
})):depends_on("metadata")

flow:step("check", function(ctx)
  assert(ctx.pdf_info.pages == 2, "pages")
  assert(ctx.pdf_info.producer == "make-samples.mjs", "producer")
  assert(ctx.pdf_info.created == "D:20240102030405Z", "raw PDF date")
  return { verified = true }
end):depends_on("show")

return flow
