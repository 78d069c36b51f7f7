-- Fixed-size chunking: pieces of at most `size` UTF-8 bytes, each ending after the last delimiter that
-- fits (here a space or a newline), so words are not cut. A multi-byte character is never split.
local flow = Flow.new("chunk_fixed")

flow:step("chunk", nodes.ai_chunk({
  source_key = "document",
  mode = "fixed",
  size = 120,
  delimiters = " \n",
  output_key = "chunks",
}))

flow:step("report", function(ctx)
  local sizes = {}
  for i, c in ipairs(ctx.chunks) do sizes[i] = #c end
  return { chunk_sizes = json_array(sizes) }
end):depends_on("chunk")

flow:step("show", nodes.log({
  message = "${ctx.chunks_count} chunks, byte sizes ${ctx.chunk_sizes}; first: ${ctx.chunks[0]}",
})):depends_on("report")

return flow
