-- Extract an HTML page as Markdown, with its <title> and meta tags. Scripts and styles are dropped.
-- format = "text" sanitises first and trims every line (Markdown markers stay, as in the original).
local flow = Flow.new("extract_html")

flow:step("extract", nodes.extract_html({
  path = "${ctx._flow_dir}/samples/sample.html",
  format = "markdown",
  output_key = "html_markdown",
  metadata_key = "html_meta",
}))

flow:step("show", nodes.log({
  message = "${ctx.html_meta.title} (${ctx.html_meta.description}):\n${ctx.html_markdown}",
})):depends_on("extract")

flow:step("check", function(ctx)
  assert(ctx.html_meta.title == "IronFlow Sample Page", "title")
  assert(ctx.html_meta["og:title"] == "IronFlow sample", "og:title")
  assert(string.find(ctx.html_markdown, "# Extracting HTML", 1, true), "heading")
  assert(string.find(ctx.html_markdown, "[the docs](https://example.com/docs)", 1, true), "link")
  assert(not string.find(ctx.html_markdown, "console.log", 1, true), "no script")
  return { verified = true }
end):depends_on("show")

return flow
