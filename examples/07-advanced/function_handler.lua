-- Lua functions as steps. A handler may use locals of the flow file: it sees the value they had when
-- the file finished loading (numbers, strings, booleans, tables, other functions). Each run of a
-- handler starts from a fresh sandbox, so handlers cannot share state except through the context.
local threshold = 100
local labels = { low = "small order", high = "large order" }
local function classify(amount)
  if amount > threshold then return labels.high end
  return labels.low
end

local flow = Flow.new("function_handler")

flow:step("prepare", function(ctx)
  local items = ctx.items or { 40, 75, 130 }
  local total = 0
  for _, v in ipairs(items) do total = total + v end
  return { total = total, count = #items }
end)

flow:step("classify", function(ctx)
  return { label = classify(ctx.total), over_threshold = ctx.total > threshold }
end):depends_on("prepare")

flow:step("code_node", nodes.code({ source = "return { average = ctx.total / ctx.count }" })):depends_on("prepare")

flow:step("report", nodes.log({ message = "${ctx.count} items, total ${ctx.total}: ${ctx.label}" }))
  :depends_on("classify", "code_node")

return flow
