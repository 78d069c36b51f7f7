-- Binary files: bytes travel through the context as base64 text.
--
-- write_file with `source_key` + `encoding = "base64"` decodes the context string and writes the raw
-- bytes; read_file with `encoding = "base64"` returns the file's bytes as base64. (`content` is always
-- written as literal text, never decoded.) Works in the directory given by the context key `work_dir`.
--
--   ironflow run examples/04-file-operations/binary_file_io.lua --context '{"work_dir": "/tmp/demo"}'
local flow = Flow.new("binary_file_io")

-- A 1x1 PNG image.
local PIXEL_PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="

flow:step("prepare", function(ctx)
  -- Every byte value 0..255, built in Lua and base64-encoded.
  local bytes = {}
  for i = 0, 255 do
    bytes[#bytes + 1] = string.char(i)
  end
  return { png_b64 = PIXEL_PNG, blob_b64 = base64_encode(table.concat(bytes)) }
end)

flow:step("write_png", nodes.write_file({
  path = "${ctx.work_dir}/pixel.png",
  source_key = "png_b64",
  encoding = "base64",
})):depends_on("prepare")

flow:step("write_blob", nodes.write_file({
  path = "${ctx.work_dir}/all_bytes.bin",
  source_key = "blob_b64",
  encoding = "base64",
})):depends_on("prepare")

flow:step("read_png", nodes.read_file({
  path = "${ctx.work_dir}/pixel.png",
  encoding = "base64",
  output_key = "png",
})):depends_on("write_png")

flow:step("read_blob", nodes.read_file({
  path = "${ctx.work_dir}/all_bytes.bin",
  encoding = "base64",
  output_key = "blob",
})):depends_on("write_blob")

flow:step("verify", function(ctx)
  if ctx.png_content ~= ctx.png_b64 then
    error("the PNG changed on its way through the file")
  end
  local png = base64_decode(ctx.png_content)
  local signature = { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }
  for i = 1, #signature do
    if png:byte(i) ~= signature[i] then
      error("not a PNG: byte " .. i .. " of the signature differs")
    end
  end
  -- The IHDR chunk holds width and height as big-endian 32-bit integers at bytes 17..24.
  local function u32(s, at)
    local a, b, c, d = s:byte(at, at + 3)
    return ((a * 256 + b) * 256 + c) * 256 + d
  end
  local blob = base64_decode(ctx.blob_content)
  if #blob ~= 256 then
    error("expected 256 bytes, got " .. #blob)
  end
  for i = 1, 256 do
    if blob:byte(i) ~= i - 1 then
      error("byte " .. (i - 1) .. " did not survive the round trip")
    end
  end
  return { png_bytes = #png, png_width = u32(png, 17), png_height = u32(png, 21), blob_bytes = #blob }
end):depends_on("read_png", "read_blob")

flow:step("report", nodes.log({
  message = "PNG round trip ok: ${ctx.png_bytes} bytes, ${ctx.png_width}x${ctx.png_height}; all ${ctx.blob_bytes} byte values intact",
})):depends_on("verify")

flow:step("delete_png", nodes.delete_file({ path = "${ctx.work_dir}/pixel.png" })):depends_on("report")
flow:step("delete_blob", nodes.delete_file({ path = "${ctx.work_dir}/all_bytes.bin" })):depends_on("report")

return flow
