-- Semantic chunking: the text is split into sentences, all sentences are embedded (in as few requests
-- as the provider accepts), and chunks are cut at local minima of the smoothed distance between
-- neighbouring sentences.
--
-- Parity note: like the original IronFlow, the node keeps the local *minima* of a *distance* curve, so it
-- tends to cut where neighbouring sentences are most alike rather than at topic changes. The arithmetic
-- is kept on purpose for identical results; do not rely on the cuts being topic boundaries.
local flow = Flow.new("chunk_semantic")

flow:step("semantic", nodes.ai_chunk_semantic({
  source_key = "article",
  provider = "openai",
  base_url = env("OPENAI_BASE_URL") or "https://api.openai.com/v1",
  model = "text-embedding-3-small",
  sim_window = 3,
  sg_window = 11,
  poly_order = 3,
  threshold = 0.5,
  min_distance = 2,
  output_key = "semantic",
}))

flow:step("show", nodes.log({
  message = "${ctx.semantic_count} semantic chunks; first: ${ctx.semantic[0]}",
})):depends_on("semantic")

return flow
