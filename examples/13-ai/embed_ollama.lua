-- Embeddings from a local Ollama server (POST {OLLAMA_HOST}/api/embed, default http://localhost:11434).
local flow = Flow.new("embed_ollama")

flow:step("chunk", nodes.ai_chunk({
  source_key = "notes",
  mode = "split",
  delimiters = "\n",
  output_key = "lines",
}))

flow:step("embed", nodes.ai_embed({
  input_key = "lines",
  provider = "ollama",
  model = "nomic-embed-text",
  output_key = "emb",
})):depends_on("chunk")

flow:step("show", nodes.log({
  message = "${ctx.emb_count} lines embedded, dimension ${ctx.emb_dimension}",
})):depends_on("embed")

return flow
