-- Rotate an image clockwise by 90, 180 or 270 degrees (0 writes it unrotated) and save it.
local flow = Flow.new("image_rotate")

flow:step("rotate", nodes.image_rotate({
  path = "${ctx._flow_dir}/samples/source.png",
  output_path = "${ctx.work_dir}/rotated.png",
  angle = 90,
}))

flow:step("show", nodes.log({
  message = "${ctx.rotated_image_source_width}x${ctx.rotated_image_source_height} rotated by ${ctx.rotated_image_angle}: ${ctx.rotated_image_width}x${ctx.rotated_image_height}",
})):depends_on("rotate")

flow:step("check", function(ctx)
  assert(ctx.rotated_image_source_width == 120 and ctx.rotated_image_source_height == 80, "source size")
  assert(ctx.rotated_image_width == 80 and ctx.rotated_image_height == 120, "sides swapped")
  return { verified = true }
end):depends_on("show")

return flow
