-- Mirror an image. The source comes from the context (source_key): a path string, or an object
-- {path = ...}, {base64 = ...} or {data = ...}. direction: horizontal (h), vertical (v) or both.
local flow = Flow.new("image_flip")

flow:step("pick", function(ctx)
  return { picture = { path = ctx._flow_dir .. "/samples/source.jpg" } }
end)

flow:step("flip", nodes.image_flip({
  source_key = "picture",
  output_path = "${ctx.work_dir}/flipped.jpg",
  direction = "v",
})):depends_on("pick")

flow:step("show", nodes.log({
  message = "flipped (${ctx.flipped_image_direction}) into ${ctx.flipped_image}",
})):depends_on("flip")

flow:step("check", function(ctx)
  assert(ctx.flipped_image_direction == "v", "direction as given")
  assert(ctx.flipped_image_width == 420 and ctx.flipped_image_height == 320, "same size")
  assert(ctx.flipped_image_format == "jpeg", "jpeg")
  return { verified = true }
end):depends_on("show")

return flow
