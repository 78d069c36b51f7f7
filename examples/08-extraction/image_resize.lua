-- Resize an image (Lanczos3) and save it. Give width and height for an exact size, or one of them to
-- keep the aspect ratio. The output format comes from `format` or the output extension (.png, .jpg).
-- work_dir is a writable folder given in the context (see image_resize.example.json).
local flow = Flow.new("image_resize")

flow:step("resize", nodes.image_resize({
  path = "${ctx._flow_dir}/samples/source.jpg",
  output_path = "${ctx.work_dir}/resized.png",
  width = 210,
}))

flow:step("show", nodes.log({
  message = "wrote ${ctx.resized_image} (${ctx.resized_image_width}x${ctx.resized_image_height} ${ctx.resized_image_format})",
})):depends_on("resize")

flow:step("check", function(ctx)
  assert(ctx.resized_image_success == true, "success")
  assert(ctx.resized_image_width == 210 and ctx.resized_image_height == 160, "420x320 halved")
  assert(ctx.resized_image_format == "png", "png from the extension")
  return { verified = true }
end):depends_on("show")

return flow
