-- Render PDF pages to PNG (base64 in the context). pages accepts "all", "2", "1-3" or "1-3,7";
-- dpi sets the size: a US-Letter page at 50 dpi is 425 x 550 pixels.
local flow = Flow.new("pdf_to_image")

flow:step("render", nodes.pdf_to_image({
  path = "${ctx._flow_dir}/samples/sample.pdf",
  pages = "1-2",
  dpi = 50,
  output_key = "page_images",
}))

flow:step("show", function(ctx)
  for _, img in ipairs(ctx.page_images) do
    log("info", "page " .. img.page .. ": " .. img.width .. "x" .. img.height .. " " .. img.format
      .. ", " .. #img.image_base64 .. " base64 characters")
  end
  return { rendered = #ctx.page_images }
end):depends_on("render")

flow:step("check", function(ctx)
  assert(ctx.page_count == 2, "page_count is the document's page count")
  assert(ctx.rendered == 2, "two images")
  local first = ctx.page_images[1]
  assert(first.width == 425 and first.height == 550 and first.format == "png", "size at 50 dpi")
  assert(string.sub(first.image_base64, 1, 11) == "iVBORw0KGgo", "PNG signature (base64)")
  return { verified = true }
end):depends_on("show")

return flow
