-- wait = false starts the child in the background: the step returns as soon as the child run is
-- recorded (outputs subworkflow_name, subworkflow_run_id, subworkflow_async = true) and this flow goes on.
-- The child is still recorded under this run; its failure is logged, and shutting the engine down waits
-- for it. The parent run may finish first.
local flow = Flow.new("fire_and_forget")

flow:step("signup", function(ctx)
  return { event = "signup:" .. (ctx.user or "guest") }
end)

flow:step("audit", nodes.subworkflow({
  flow = "children/audit.lua",
  wait = false,
  input = { event = "event" },
})):depends_on("signup")

flow:step("carry_on", function(ctx)
  if ctx.subworkflow_async ~= true or ctx.subworkflow_name ~= "audit" then error("child was not started") end
  log("info", "audit running in the background as run", ctx.subworkflow_run_id)
  return { carried_on = true }
end):depends_on("audit")

return flow
