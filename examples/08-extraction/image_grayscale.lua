-- Convert an image to grayscale (luminance; PNG keeps the alpha channel) and save it.
local flow = Flow.new("image_grayscale")

flow:step("grayscale", nodes.image_grayscale({
  path = "${ctx._flow_dir}/samples/source.jpg",
  output_path = "${ctx.work_dir}/gray.png",
}))

flow:step("show", nodes.log({
  message = "wrote ${ctx.grayscale_image} (${ctx.grayscale_image_width}x${ctx.grayscale_image_height})",
})):depends_on("grayscale")

flow:step("check", function(ctx)
  assert(ctx.grayscale_image_success == true and ctx.grayscale_image_format == "png", "png")
  assert(ctx.grayscale_image_width == 420 and ctx.grayscale_image_height == 320, "same size")
  return { verified = true }
end):depends_on("show")

return flow
