-- base64_encode / base64_decode are byte-exact, so binary data can travel through the context as text.
local flow = Flow.new("base64_globals")

flow:step("encode", function(ctx)
  local bytes = "\0\1\2\255 binary"
  return { b64 = base64_encode(bytes), length = #bytes }
end)

flow:step("decode", function(ctx)
  local raw = base64_decode(ctx.b64)
  return { same_length = #raw == ctx.length, first_byte = string.byte(raw, 4) }
end):depends_on("encode")

flow:step("show", nodes.log({ message = "encoded as ${ctx.b64}" })):depends_on("decode")

return flow
