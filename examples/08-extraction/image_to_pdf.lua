-- Put images in a PDF, one page per image, each page as large as its image (1 pixel = 1 point). Then
-- read the new PDF back with pdf_metadata.
local flow = Flow.new("image_to_pdf")

flow:step("combine", nodes.image_to_pdf({
  sources = {
    "${ctx._flow_dir}/samples/source.jpg",
    { path = "${ctx._flow_dir}/samples/source.png" },
  },
  output_path = "${ctx.work_dir}/images.pdf",
}))

flow:step("read_back", nodes.pdf_metadata({
  path = "${ctx.pdf_path}",
  output_key = "combined",
})):depends_on("combine")

flow:step("show", nodes.log({
  message = "${ctx.image_count} images -> ${ctx.pdf_path} (${ctx.combined.pages} pages)",
})):depends_on("read_back")

flow:step("check", function(ctx)
  assert(ctx.pdf_path_success == true and ctx.pdf_path_count == 2 and ctx.image_count == 2, "two images")
  assert(ctx.combined.pages == 2, "two pages")
  return { verified = true }
end):depends_on("show")

return flow
