-- Markdown -> HTML and HTML -> Markdown.
--
-- markdown_to_html renders CommonMark with the GitHub extensions (tables, ~~strikethrough~~, bare-URL
-- autolinks, task lists). Raw HTML inside the Markdown is never passed through: it becomes
-- <!-- raw HTML omitted -->, and javascript: links lose their target. sanitize = true also runs an
-- allow-list sanitiser. html_to_markdown is a best-effort, lossy conversion back.
local flow = Flow.new("markdown_conversion")

flow:step("author", function(ctx)
  return {
    title = "Release notes",
    notes_md = table.concat({
      "## What's new",
      "",
      "- [x] **Faster** CSV parsing",
      "- [ ] ~~Old importer~~ removed",
      "",
      "| Node | Status |",
      "|------|:------:|",
      "| csv_parse | done |",
      "",
      "Docs: https://example.com/docs and [a bad link](javascript:alert(1)).",
      "",
      "<script>alert('not rendered')</script>",
    }, "\n"),
  }
end)

-- `input` is interpolated, `source_key` is read as it is.
flow:step("heading_html", nodes.markdown_to_html({
  input = "# ${ctx.title}",
  output_key = "heading_html",
})):depends_on("author")

flow:step("notes_html", nodes.markdown_to_html({
  source_key = "notes_md",
  output_key = "notes_html",
})):depends_on("author")

flow:step("notes_safe_html", nodes.markdown_to_html({
  source_key = "notes_md",
  output_key = "notes_safe_html",
  sanitize = true,
})):depends_on("author")

flow:step("back_to_markdown", nodes.html_to_markdown({
  input = "<h2>Contact</h2><p>Write to <a href=\"mailto:team@example.com\">the <b>team</b></a>.</p>",
  output_key = "contact_md",
}))

flow:step("show", nodes.log({
  message = "${ctx.heading_html}${ctx.notes_html}\n${ctx.contact_md}",
})):depends_on("heading_html", "notes_html", "notes_safe_html", "back_to_markdown")

flow:step("check", function(ctx)
  assert(ctx.heading_html == "<h1>Release notes</h1>\n", "heading")
  local html = ctx.notes_html
  assert(html:find("<table>", 1, true), "table")
  assert(html:find("<del>Old importer</del>", 1, true), "strikethrough")
  assert(html:find('<a href="https://example.com/docs">', 1, true), "autolink")
  assert(html:find('type="checkbox"', 1, true), "task list")
  assert(html:find("<!-- raw HTML omitted -->", 1, true), "raw HTML omitted")
  assert(not html:find("<script", 1, true), "no script tag")
  assert(not html:find("javascript:", 1, true), "javascript: link dropped")
  assert(ctx.notes_safe_html:find('rel="noopener noreferrer"', 1, true), "sanitised links get rel")
  assert(ctx.contact_md:find("## Contact", 1, true), "heading back to markdown")
  assert(ctx.contact_md:find("[the **team**](mailto:team@example.com)", 1, true), "link and bold")
  return { verified = true }
end):depends_on("show")

return flow
