-- if_node publishes a route; a step with :route(name) runs only when a direct dependency chose that route.
-- Skipped branches do not fail the run, and steps after them still run.
--
--   ironflow run examples/03-control-flow/conditional_routing.lua --context '{"amount": 750}'
local flow = Flow.new("conditional_routing")

flow:step("check_amount", nodes.if_node({
  condition = "ctx.amount > 500",
  true_route = "manual_review",
  false_route = "auto_approve",
}))

flow:step("review", nodes.log({ message = "Amount $${ctx.amount} needs a manual review" }))
  :depends_on("check_amount"):route("manual_review")

flow:step("approve", nodes.log({ message = "Amount $${ctx.amount} approved automatically" }))
  :depends_on("check_amount"):route("auto_approve")

flow:step("notify", nodes.log({ message = "decision recorded for $${ctx.amount}" }))
  :depends_on("review", "approve")

return flow
