-- Chunk a document and embed every chunk with OpenAI in one step (one request for up to 2,048 chunks).
-- The key comes from OPENAI_API_KEY (read by the node, never written in the flow).
local flow = Flow.new("embed_openai")

flow:step("load", function(ctx)
  return {
    document = "Vector search finds passages by meaning. Each passage becomes a vector. "
      .. "Similar passages get similar vectors. A query is embedded the same way and compared.",
  }
end)

flow:step("chunk", nodes.ai_chunk({
  source_key = "document",
  mode = "split",
  delimiters = ".",
  output_key = "chunks",
})):depends_on("load")

flow:step("embed", nodes.ai_embed({
  input_key = "chunks",
  provider = "openai",
  base_url = env("OPENAI_BASE_URL") or "https://api.openai.com/v1",
  model = "text-embedding-3-small",
  output_key = "vectors",
})):depends_on("chunk")

flow:step("show", nodes.log({
  message = "${ctx.vectors_count} vectors of dimension ${ctx.vectors_dimension} from ${ctx.vectors_model}",
})):depends_on("embed")

return flow
