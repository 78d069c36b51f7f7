-- A small Amazon S3 Vectors workflow: create a vector bucket and a cosine index, store a few documents as
-- vectors with metadata, run two nearest-neighbour queries (one filtered by metadata, one with a vector
-- computed by an earlier step), then delete the vectors.
--
-- Names can be overridden with S3VECTOR_BUCKET_NAME / S3VECTOR_INDEX_NAME (bucket names are unique per
-- account and region). The endpoint, region and credentials come from the standard AWS variables
-- (AWS_ENDPOINT_URL_S3VECTORS or AWS_ENDPOINT_URL for a stand-in, AWS_REGION, AWS_ACCESS_KEY_ID, ...).
local flow = Flow.new("s3vector_vector_workflow")

local bucket = env("S3VECTOR_BUCKET_NAME") or "ironflow-demo-vectors"
local index = env("S3VECTOR_INDEX_NAME") or "articles"

flow:step("create_bucket", nodes.s3vector_create_bucket({
  vector_bucket_name = bucket,
}))

flow:step("create_index", nodes.s3vector_create_index({
  vector_bucket_name = bucket,
  index_name = index,
  data_type = "float32",
  distance_metric = "cosine",
  dimension = 4,
  non_filterable_metadata_keys = { "title" },
  output_key = "index",
})):depends_on("create_bucket")

flow:step("ingest", nodes.s3vector_put_vectors({
  vector_bucket_name = bucket,
  index_name = index,
  vectors = {
    { key = "doc-cats", data = { 0.9, 0.1, 0.0, 0.0 }, metadata = { topic = "animals", year = 2023, title = "Living with cats" } },
    { key = "doc-dogs", data = { 0.8, 0.2, 0.1, 0.0 }, metadata = { topic = "animals", year = 2024, title = "Training a puppy" } },
    { key = "doc-rust", data = { 0.0, 0.1, 0.9, 0.3 }, metadata = { topic = "programming", year = 2024, title = "Ownership in Rust" } },
    { key = "doc-lua", data = { 0.1, 0.0, 0.8, 0.5 }, metadata = { topic = "programming", year = 2022, title = "Lua tables" } },
  },
  output_key = "ingest",
})):depends_on("create_index")

-- Nearest animal articles to a "pets" vector, with distances and metadata, keeping close matches only.
flow:step("query_animals", nodes.s3vector_query_vectors({
  vector_bucket_name = bucket,
  index_name = index,
  query_vector = { 0.85, 0.15, 0.05, 0.0 },
  top_k = 2,
  filter = { topic = "animals" },
  return_distance = true,
  return_metadata = true,
  min_similarity = 0.5,
  output_key = "animals",
})):depends_on("ingest")

-- A query vector computed by an earlier step (in a real flow: ai_embed of the user's question).
flow:step("embed_question", function(ctx)
  return { question_vector = { 0.05, 0.1, 0.85, 0.4 } }
end)

flow:step("query_code", nodes.s3vector_query_vectors({
  vector_bucket_name = bucket,
  index_name = index,
  query_vector_key = "question_vector",
  top_k = 1,
  filter = { year = { ["$gte"] = 2023 } },
  return_metadata = true,
  output_key = "code",
})):depends_on("ingest", "embed_question")

flow:step("check", function(ctx)
  local best = ctx.animals_vectors[1]
  if ctx.animals_count ~= 2 or best.key ~= "doc-cats" then
    error("unexpected animal matches: " .. json_stringify(ctx.animals_vectors))
  end
  if ctx.code_vectors[1].key ~= "doc-rust" then
    error("unexpected code match: " .. json_stringify(ctx.code_vectors))
  end
  return { best_title = best.metadata.title, best_similarity = 1 - best.distance }
end):depends_on("query_animals", "query_code")

flow:step("report", nodes.log({
  message = "Index ${ctx.index_index_name} (${ctx.index_dimension} dims, ${ctx.index_distance_metric}) holds "
    .. "${ctx.ingest_vector_count} vectors; closest animal article: '${ctx.best_title}' "
    .. "(similarity ${ctx.best_similarity}); best 2023+ match for the question: ${ctx.code_vectors[0].key}",
})):depends_on("check")

flow:step("cleanup", nodes.s3vector_delete_vectors({
  vector_bucket_name = bucket,
  index_name = index,
  keys_source_key = "ingest_vector_keys",
  output_key = "cleanup",
})):depends_on("report")

return flow
