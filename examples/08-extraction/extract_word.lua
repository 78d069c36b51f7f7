-- Extract a Word .docx as Markdown (headings, bold/italic/strike, lists, table cells) with its core
-- properties. XML entities such as &amp; come out decoded.
local flow = Flow.new("extract_word")

flow:step("extract", nodes.extract_word({
  path = "${ctx._flow_dir}/samples/sample.docx",
  format = "markdown",
  output_key = "doc_markdown",
  metadata_key = "doc_meta",
}))

flow:step("show", nodes.log({
  message = "${ctx.doc_meta.title} (author ${ctx.doc_meta.author}):\n${ctx.doc_markdown}",
})):depends_on("extract")

flow:step("check", function(ctx)
  local md = ctx.doc_markdown
  assert(string.find(md, "# Technology Comparison Matrix", 1, true) == 1, "title heading first")
  assert(string.find(md, "Compare **speed**, *cost* and ~~legacy~~ options.", 1, true), "run formatting")
  assert(string.find(md, "Research & Development", 1, true), "entity decoded")
  assert(string.find(md, "  - Latency", 1, true), "nested bullet")
  assert(string.find(md, "3. Decide\nThen start again:\n1. Review", 1, true), "numbering restarts")
  assert(ctx.doc_meta.author == "Un-named" and ctx.doc_meta.revision == "1", "core properties")
  return { verified = true }
end):depends_on("show")

return flow
