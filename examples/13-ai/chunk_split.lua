-- Delimiter chunking: cut after every sentence end or line break, then merge pieces shorter than
-- `min_chars` bytes into their neighbour so that no chunk is a lone fragment.
local flow = Flow.new("chunk_split")

flow:step("load", function(ctx)
  return {
    text = table.concat({
      "Workflows describe work as steps.",
      "Each step may depend on others.",
      "Ok.",
      "Why split text at all?",
      "Because models read limited input.",
      "Short ones merge.",
    }, " "),
  }
end)

flow:step("split", nodes.ai_chunk({
  source_key = "text",
  mode = "split",
  delimiters = ".?\n",
  min_chars = 20,
  output_key = "sentences",
})):depends_on("load")

flow:step("show", nodes.log({
  message = "${ctx.sentences_count} pieces: ${ctx.sentences}",
})):depends_on("split")

return flow
