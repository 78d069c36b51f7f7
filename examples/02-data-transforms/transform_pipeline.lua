-- A small ETL pipeline: filter records, reshape them, deduplicate, batch, and rename fields of a summary.
--
-- Mind the two mapping directions:
--   data_transform mapping = { new_name = "old_name" }  (projects: only mapped fields are kept)
--   rename_fields  mapping = { old_name = "new_name" }  (renames: every other field is kept as is)
-- (The upstream example wrote the rename mapping the other way round and so renamed nothing.)
local flow = Flow.new("transform_pipeline")

flow:step("extract", function(ctx)
  return {
    raw_users = {
      { user_id = 1, full_name = "Ann Lee", mail = "ann@example.com", score = 91, internal = "x" },
      { user_id = 2, full_name = "Bo Chen", mail = "bo@example.com", score = 45, internal = "y" },
      { user_id = 3, full_name = "Cy Diaz", mail = "cy@example.com", score = 78, internal = "z" },
      { user_id = 1, full_name = "Ann Lee", mail = "ann@example.com", score = 91, internal = "dup" },
      { user_id = 4, full_name = "Di Eze", mail = "di@example.com", score = 88, internal = "w" },
    },
    summary = { total_users = 5, src = "crm", generated_by = "extract" },
  }
end)

flow:step("high_scores", nodes.data_filter({
  source_key = "raw_users",
  output_key = "qualified",
  field = "score",
  op = "gte",
  value = 75,
})):depends_on("extract")

flow:step("reshape", nodes.data_transform({
  source_key = "qualified",
  output_key = "contacts",
  mapping = { id = "user_id", name = "full_name", email = "mail" },
})):depends_on("high_scores")

flow:step("unique", nodes.deduplicate({
  source_key = "contacts",
  output_key = "unique_contacts",
})):depends_on("reshape")

flow:step("chunks", nodes.batch({
  source_key = "unique_contacts",
  output_key = "contact_batches",
  size = 2,
})):depends_on("unique")

flow:step("rename_summary", nodes.rename_fields({
  source_key = "summary",
  output_key = "report",
  mapping = { total_users = "user_count", src = "source" },
})):depends_on("extract")

flow:step("show", nodes.log({
  message = "${ctx.unique_contacts_removed} duplicate removed; batches: ${ctx.contact_batches}; report: ${ctx.report}",
})):depends_on("chunks", "rename_summary")

flow:step("check", function(ctx)
  assert(ctx.qualified_count == 4, "four records score 75 or more")
  assert(ctx.contacts[1].internal == nil and ctx.contacts[1].email == "ann@example.com", "projected fields")
  assert(ctx.unique_contacts_removed == 1, "the repeated Ann is removed")
  assert(ctx.contact_batches_count == 2, "three contacts in batches of two")
  assert(#ctx.contact_batches[2] == 1, "the last batch is shorter")
  assert(ctx.report.user_count == 5 and ctx.report.source == "crm", "renamed fields")
  assert(ctx.report.generated_by == "extract", "unmapped fields are kept")
  assert(ctx.report.total_users == nil, "the old name is gone")
  return { verified = true }
end):depends_on("show")

return flow
