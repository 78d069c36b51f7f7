-- on_error names a recovery step. It runs only when its source fails (after all retries), sees
-- _error_message, _error_step and _error_node_type, and when it succeeds the run goes on as if the
-- source had: its dependents run and the run can end `success`.
local flow = Flow.new("on_error")

flow:step("parse_config", nodes.json_parse({ source_key = "raw_config", output_key = "config" }))
  :on_error("use_defaults")

flow:step("use_defaults", function(ctx)
  log("warn", "falling back to defaults:", ctx._error_message)
  return { config = { retries = 3, mode = "safe" }, recovered_from = ctx._error_step }
end)

flow:step("start", nodes.log({ message = "starting in ${ctx.config.mode} mode" })):depends_on("parse_config")

return flow
