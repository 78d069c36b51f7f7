-- Split a text into sentences, then merge consecutive sentences into groups of at most `chunk_size`
-- words (joined by blank lines): a common way to get evenly sized passages for retrieval.
local flow = Flow.new("chunk_merge")

flow:step("load", function(ctx)
  local parts = {}
  for i = 1, 12 do
    parts[i] = "Sentence number " .. i .. " talks about step " .. i .. " of the pipeline."
  end
  return { text = table.concat(parts, " ") }
end)

flow:step("sentences", nodes.ai_chunk({
  source_key = "text",
  mode = "split",
  delimiters = ".",
  output_key = "sentences",
})):depends_on("load")

flow:step("merge", nodes.ai_chunk_merge({
  source_key = "sentences",
  chunk_size = 30,
  output_key = "passages",
})):depends_on("sentences")

flow:step("show", nodes.log({
  message = "${ctx.sentences_count} sentences -> ${ctx.passages_count} passages of at most 30 words",
})):depends_on("merge")

return flow
