-- An end-to-end data pipeline: generate events, keep the valid ones, project and deduplicate them,
-- fingerprint the result with a hash, and split it into batches for delivery.
--
-- hash of a non-string context value hashes its canonical JSON (compact, sorted keys), which is exactly
-- what json_stringify produces; so both fingerprints below are equal.
local flow = Flow.new("data_pipeline")

flow:step("generate", function(ctx)
  local events = {}
  local kinds = { "click", "view", "purchase" }
  for i = 1, 30 do
    events[#events + 1] = {
      event_id = "evt-" .. ((i - 1) % 24 + 1), -- ids 1..6 repeat: 6 duplicates
      kind = kinds[(i - 1) % 3 + 1],
      amount = (i % 5) * 10,
      user = "user-" .. (i % 4),
    }
  end
  return { events = events }
end)

flow:step("valid", nodes.data_filter({
  source_key = "events",
  output_key = "valid_events",
  field = "amount",
  op = "gt",
  value = 0,
})):depends_on("generate")

flow:step("project", nodes.data_transform({
  source_key = "valid_events",
  output_key = "slim_events",
  mapping = { id = "event_id", type = "kind", value = "amount" },
})):depends_on("valid")

flow:step("dedupe", nodes.deduplicate({
  source_key = "slim_events",
  output_key = "clean",
  key = "id",
})):depends_on("project")

flow:step("serialize", nodes.json_stringify({
  source_key = "clean",
  output_key = "clean_json",
})):depends_on("dedupe")

flow:step("fingerprint_value", nodes.hash({
  source_key = "clean",
  output_key = "fingerprint",
})):depends_on("dedupe")

flow:step("fingerprint_text", nodes.hash({
  input = "${ctx.clean_json}",
  output_key = "fingerprint_of_text",
})):depends_on("serialize")

flow:step("deliver", nodes.batch({
  source_key = "clean",
  output_key = "deliveries",
  size = 5,
})):depends_on("dedupe")

flow:step("report", nodes.log({
  message = "${ctx.valid_events_count} valid events, ${ctx.clean_removed} duplicates removed, ${ctx.deliveries_count} deliveries, sha256 ${ctx.fingerprint}",
})):depends_on("deliver", "fingerprint_value", "fingerprint_text")

flow:step("check", function(ctx)
  assert(ctx.valid_events_count == 24, "amount 0 every fifth event: 24 remain")
  local seen = {}
  for _, e in ipairs(ctx.clean) do
    assert(not seen[e.id], "duplicate id " .. e.id)
    seen[e.id] = true
    assert(e.user == nil, "only mapped fields are kept")
  end
  assert(#ctx.clean + ctx.clean_removed == 24, "removed + kept = valid")
  assert(ctx.fingerprint == ctx.fingerprint_of_text, "hash of a value = hash of its canonical JSON")
  assert(#ctx.fingerprint == 64, "sha256 hex digest")
  assert(ctx.deliveries_count == math.ceil(#ctx.clean / 5), "batches of five")
  return { verified = true }
end):depends_on("report")

return flow
