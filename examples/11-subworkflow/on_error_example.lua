-- A failing child fails its subworkflow step (when no output_key is set) with a message naming the
-- child's failed step and its error. on_error hands that message to a recovery step as _error_message,
-- and the run goes on as if the step had succeeded.
local flow = Flow.new("on_error_example")

flow:step("locate", function(ctx)
  return { config_path = ctx._flow_dir .. "/no-such-folder/config.json" }
end)

flow:step("load_config", nodes.subworkflow({
  flow = "children/read_config.lua",
  input = { path = "config_path" },
})):depends_on("locate"):on_error("use_defaults")

flow:step("use_defaults", function(ctx)
  log("warn", "config child failed, using defaults:", ctx._error_message)
  if not string.find(ctx._error_message, "step 'read' failed", 1, true) then
    error("the child's failure was not passed on: " .. ctx._error_message)
  end
  return { config = { retries = 3, mode = "safe" }, recovered_from = ctx._error_step }
end)

flow:step("start", nodes.log({ message = "starting in ${ctx.config.mode} mode" })):depends_on("load_config")

return flow
