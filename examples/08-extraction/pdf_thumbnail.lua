-- Render one PDF page as a small JPEG: with neither width nor height, the longer side is `size`.
local flow = Flow.new("pdf_thumbnail")

flow:step("thumbnail", nodes.pdf_thumbnail({
  path = "${ctx._flow_dir}/samples/sample.pdf",
  page = 2,
  size = 128,
  format = "jpeg",
  output_key = "thumb",
}))

flow:step("show", nodes.log({
  message = "page ${ctx.thumb.page} thumbnail: ${ctx.thumb.width}x${ctx.thumb.height} ${ctx.thumb.format}",
})):depends_on("thumbnail")

flow:step("check", function(ctx)
  assert(ctx.thumb_count == 1, "one thumbnail")
  assert(ctx.thumb.width == 99 and ctx.thumb.height == 128, "aspect ratio of a US-Letter page")
  assert(ctx.thumb.format == "jpeg", "jpeg")
  return { verified = true }
end):depends_on("show")

return flow
