-- The file cache: one JSON file per key, {"value": ..., "expires_at": <unix seconds>}, in cache_dir.
--
-- The file name is the key with every character other than letters, digits, - and _ replaced by _,
-- plus .json (so "report:2024/05" is stored as report_2024_05.json). Writes are atomic (a temporary file
-- renamed into place); expired files are deleted when read; a corrupt file fails the step.
--
-- cache_dir is not interpolated, so it comes from the environment here: IRONFLOW_CACHE_DIR if set, else a
-- folder under the system temp directory (the default of the node itself is .ironflow_cache in the
-- working directory).
local flow = Flow.new("cache_file")

local cache_dir = env("IRONFLOW_CACHE_DIR") or ((env("TMPDIR") or "/tmp") .. "/ironflow_example_cache")

flow:step("build_report", function(ctx)
  return {
    report_id = "report:2024/05",
    report = { rows = 3, total = 99.5, generated_at = now_rfc3339() },
  }
end)

flow:step("save", nodes.cache_set({
  key = "${ctx.report_id}",
  source_key = "report",
  ttl = 3600,
  backend = "file",
  cache_dir = cache_dir,
})):depends_on("build_report")

flow:step("load", nodes.cache_get({
  key = "${ctx.report_id}",
  output_key = "cached_report",
  backend = "file",
  cache_dir = cache_dir,
})):depends_on("save")

flow:step("show", nodes.log({
  message = "stored ${ctx.cache_key} in " .. cache_dir .. ": hit=${ctx.cache_hit} ${ctx.cached_report}",
})):depends_on("load")

flow:step("check", function(ctx)
  assert(ctx.cache_stored == true and ctx.cache_key == "report:2024/05", "stored")
  assert(ctx.cache_hit == true, "read back")
  assert(ctx.cached_report.total == 99.5 and ctx.cached_report.rows == 3, "same value")
  return { verified = true }
end):depends_on("show")

return flow
