-- Pick nested values out of a JSON document with json_extract_path.
--
-- A path is dot-separated keys with optional [n] array indexes (zero-based): `slideshow.slides[1].title`.
-- parse_json = true parses a string source first, so a raw HTTP body can be used directly. A missing path
-- writes `default` (null unless given), or fails the step with required = true.
--
-- The upstream example fetched https://httpbin.org/json; this one builds the same document in a code step
-- so that it runs offline.
local flow = Flow.new("json_extract_path")

flow:step("fetch", function(ctx)
  return {
    body = [[{"slideshow":{"author":"Yours Truly","date":"date of publication","slides":[{"title":"Wake up to WonderWidgets!","type":"all"},{"items":["Why <em>WonderWidgets</em> are great","Who <em>buys</em> WonderWidgets"],"title":"Overview","type":"all"}],"title":"Sample Slide Show"}}]],
  }
end)

flow:step("title", nodes.json_extract_path({
  source_key = "body",
  path = "slideshow.title",
  output_key = "show_title",
  parse_json = true,
  required = true,
})):depends_on("fetch")

flow:step("second_slide", nodes.json_extract_path({
  source_key = "body",
  path = "slideshow.slides[1].title",
  output_key = "second_slide_title",
  parse_json = true,
})):depends_on("fetch")

flow:step("first_item", nodes.json_extract_path({
  source_key = "body",
  path = "slideshow.slides[1].items[0]",
  output_key = "first_item",
  parse_json = true,
})):depends_on("fetch")

flow:step("missing_with_default", nodes.json_extract_path({
  source_key = "body",
  path = "slideshow.slides[5].title",
  output_key = "fifth_slide_title",
  parse_json = true,
  default = "(no such slide)",
})):depends_on("fetch")

flow:step("show", nodes.log({
  message = "'${ctx.show_title}' by slide 2 '${ctx.second_slide_title}': ${ctx.first_item}; slide 6: ${ctx.fifth_slide_title}",
})):depends_on("title", "second_slide", "first_item", "missing_with_default")

flow:step("check", function(ctx)
  assert(ctx.show_title == "Sample Slide Show", "title")
  assert(ctx.second_slide_title == "Overview", "second slide")
  assert(ctx.first_item == "Why <em>WonderWidgets</em> are great", "first item of the second slide")
  assert(ctx.fifth_slide_title == "(no such slide)", "default for a missing path")
  return { verified = true }
end):depends_on("show")

return flow
