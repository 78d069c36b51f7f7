-- subworkflow runs another flow file as a child run, recorded in the run store with parent_run_id and
-- parent_step. The `flow` path is relative to this file's folder (_flow_dir) and may not leave it.
--   input       child_key = "parent_key" copies that parent value (left out when there is none): every
--               string names a parent key. Non-string values (numbers, booleans, tables) are literals.
--               Without input, the child gets a copy of this whole context.
--   output_key  absent: the child's public keys (not starting with _) merge into this context;
--               present: they go under output_key, with {output_key}_success.
local flow = Flow.new("basic_subworkflow")

flow:step("prepare", function(ctx)
  return { user_name = ctx.user_name or "Alice", excited = "!", curious = "?" }
end)

flow:step("greet", nodes.subworkflow({
  flow = "children/greet.lua",
  input = { name = "user_name", punctuation = "excited" },
})):depends_on("prepare")

flow:step("greet_again", nodes.subworkflow({
  flow = "children/greet.lua",
  input = { name = "user_name", punctuation = "curious" },
  output_key = "second",
})):depends_on("prepare")

flow:step("check", function(ctx)
  if ctx.greeting ~= "Hello, " .. ctx.user_name .. "!" then error("unexpected greeting: " .. tostring(ctx.greeting)) end
  if not ctx.second_success or ctx.second.greeting ~= "Hello, " .. ctx.user_name .. "?" then
    error("unexpected namespaced result")
  end
  if ctx._draft ~= nil or ctx.second._draft ~= nil then error("a private child key leaked") end
  log("info", ctx.greeting, "/", ctx.second.greeting, "from child flow", ctx.subworkflow_name)
  return { checked = true }
end):depends_on("greet", "greet_again")

return flow
