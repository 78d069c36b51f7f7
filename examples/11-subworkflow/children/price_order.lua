-- Child flow for parallel_fanout.lua: prices one order (`ctx.order`, injected by the fan-out) in `ctx.currency`.
local flow = Flow.new("price_order")

flow:step("price", function(ctx)
  local o = ctx.order
  return { order_id = o.id, total = o.qty * o.unit_price, currency = ctx.currency, position = ctx.index }
end)

return flow
