-- Call a JSON API with http_get and use the decoded answer in later steps.
--
-- The base URL comes from HTTPBIN_URL (the test suite points it at a local stand-in).
-- Outputs use the prefix given by output_key: {ok}_status, {ok}_data (JSON decoded when it parses),
-- {ok}_headers (lower-case names) and {ok}_success.
local flow = Flow.new("api_call")

local base = env("HTTPBIN_URL") or "https://httpbin.org"

flow:step("fetch", nodes.http_get({
  url = base .. "/get?source=ironflow",
  timeout = 10,
}))

flow:step("show", nodes.log({
  message = "GET /get returned ${ctx.http_status}; the server saw the query ${ctx.http_data.args}",
})):depends_on("fetch")

flow:step("fetch_doc", nodes.http_get({
  url = base .. "/json",
  output_key = "doc",
}))

flow:step("show_doc", nodes.log({
  message = "Slideshow '${ctx.doc_data.slideshow.title}' by ${ctx.doc_data.slideshow.author}, served as ${ctx.doc_headers[\"content-type\"]}",
})):depends_on("fetch_doc")

return flow
