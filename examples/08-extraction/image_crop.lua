-- Crop a 400 x 300 rectangle starting at (10, 8) and save it as JPEG. crop_width/crop_height also accept
-- the aliases width/height; a rectangle outside the image fails the step.
local flow = Flow.new("image_crop")

flow:step("crop", nodes.image_crop({
  path = "${ctx._flow_dir}/samples/source.jpg",
  output_path = "${ctx.work_dir}/cropped.jpg",
  x = 10,
  y = 8,
  crop_width = 400,
  crop_height = 300,
}))

flow:step("show", nodes.log({
  message = "cropped ${ctx.cropped_image_width}x${ctx.cropped_image_height} at (${ctx.cropped_image_x}, ${ctx.cropped_image_y}) into ${ctx.cropped_image}",
})):depends_on("crop")

flow:step("check", function(ctx)
  assert(ctx.cropped_image_width == 400 and ctx.cropped_image_height == 300, "size")
  assert(ctx.cropped_image_format == "jpeg", "jpeg (never jpg)")
  return { verified = true }
end):depends_on("show")

return flow
