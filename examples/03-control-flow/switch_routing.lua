-- switch_node maps a value to a route; unmatched values take the default route.
--
--   ironflow run examples/03-control-flow/switch_routing.lua --context '{"tier":"gold"}'
local flow = Flow.new("switch_routing")

flow:step("by_tier", nodes.switch_node({
  value = "ctx.tier",
  cases = { gold = "premium", silver = "standard" },
  default = "basic",
}))

flow:step("premium", nodes.log({ message = "premium support for ${ctx.tier}" })):depends_on("by_tier"):route("premium")
flow:step("standard", nodes.log({ message = "standard support" })):depends_on("by_tier"):route("standard")
flow:step("basic", nodes.log({ message = "community support" })):depends_on("by_tier"):route("basic")

return flow
