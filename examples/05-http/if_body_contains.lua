-- Route on what a response contains. if_body_contains looks for a substring in a context value; an
-- object or array is searched in its compact JSON text.
local flow = Flow.new("if_body_contains")

local base = env("HTTPBIN_URL") or "https://httpbin.org"

flow:step("page", nodes.http_get({ url = base .. "/html", output_key = "page" }))

flow:step("check_page", nodes.if_body_contains({
  source_key = "page_data",
  pattern = "moby-dick",
  case_sensitive = false,
})):depends_on("page")

flow:step("found", nodes.log({ message = "The page mentions Moby-Dick" }))
  :depends_on("check_page"):route("true")
flow:step("not_found", nodes.log({ message = "The page does not mention Moby-Dick" }))
  :depends_on("check_page"):route("false")

flow:step("doc", nodes.http_get({ url = base .. "/json", output_key = "doc" }))

flow:step("doc_text", nodes.json_stringify({ source_key = "doc_data", output_key = "doc_json" })):depends_on("doc")

flow:step("check_doc", nodes.if_body_contains({
  source_key = "doc_json",
  pattern = "WonderWidgets",
  true_route = "widgets",
  false_route = "no_widgets",
})):depends_on("doc_text")

flow:step("widgets", nodes.log({ message = "The slideshow is about WonderWidgets" }))
  :depends_on("check_doc"):route("widgets")
flow:step("no_widgets", nodes.log({ message = "No WonderWidgets today" }))
  :depends_on("check_doc"):route("no_widgets")

return flow
