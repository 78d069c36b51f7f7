-- flow:step_if(condition, name, handler) runs a step only when the condition holds. Dependencies given
-- with :depends_on go to the hidden guard step `_if_<name>`, so the condition is checked after them.
--
--   ironflow run examples/03-control-flow/step_if.lua --context '{"name":"Sam","score":82,"vip":true}'
local flow = Flow.new("step_if")

flow:step("load", function(ctx)
  return { bonus_threshold = 50, display = string.upper(ctx.name) }
end)

flow:step_if("ctx.score > 50", "bonus", function(ctx)
  return { bonus = ctx.score * 2 }
end):depends_on("load")

flow:step_if("ctx.vip", "vip_welcome", nodes.log({ message = "Welcome back, VIP ${ctx.display}!" }))
  :depends_on("load")

flow:step_if("ctx.score > 95", "perfect", nodes.log({ message = "perfect score" })):depends_on("load")

return flow
