-- Extract the cues of an SRT file as a Markdown list with timestamps. The plain transcript is always
-- written under `transcript`; output_key gets the Markdown.
local flow = Flow.new("extract_srt")

flow:step("extract", nodes.extract_srt({
  path = "${ctx._flow_dir}/samples/sample_subtitles.srt",
  format = "markdown",
  output_key = "srt_markdown",
  cues_key = "srt_cues",
  metadata_key = "srt_meta",
}))

flow:step("show", nodes.log({ message = "${ctx.srt_markdown}" })):depends_on("extract")

flow:step("check", function(ctx)
  assert(ctx.srt_meta.type == "srt" and ctx.srt_meta.cue_count == 2, "two cues")
  assert(ctx.srt_cues[2].start == "00:00:03.500", "comma milliseconds")
  assert(string.find(ctx.srt_markdown, "- `00:00:00.000` -> `00:00:03.000`: Welcome", 1, true) == 1, "markdown")
  assert(ctx.transcript == "Welcome to IronFlow subtitle extraction.\nGreat to see you here.", "transcript")
  return { verified = true }
end):depends_on("show")

return flow
