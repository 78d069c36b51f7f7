-- Extract the cues of a WebVTT file: the plain transcript (always under `transcript`), the cue list and
-- metadata. The header, NOTE blocks, cue identifiers, cue settings and <v Speaker> tags are dropped.
local flow = Flow.new("extract_vtt")

flow:step("extract", nodes.extract_vtt({
  path = "${ctx._flow_dir}/samples/sample_subtitles.vtt",
  metadata_key = "vtt_meta",
}))

flow:step("show", nodes.log({
  message = "${ctx.vtt_meta.cue_count} cues, ${ctx.vtt_meta.duration_ms} ms:\n${ctx.transcript}",
})):depends_on("extract")

flow:step("check", function(ctx)
  assert(ctx.vtt_meta.cue_count == 2, "two cues")
  assert(ctx.cues[1].start_ms == 0 and ctx.cues[1].end_ms == 3000, "first cue 0-3000 ms")
  assert(ctx.cues[1].text == "Welcome to IronFlow subtitle extraction.", "first cue text")
  assert(ctx.cues[2].text == "Great to see you here.", "speaker tag removed")
  return { verified = true }
end):depends_on("show")

return flow
