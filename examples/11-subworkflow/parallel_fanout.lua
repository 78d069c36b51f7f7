-- parallel_subworkflows runs child flows at the same time (at most max_concurrent) and returns one entry
-- per child, in input order: {success, flow, ...the child's public keys} (plus error when it failed).
--   dynamic mode  flow + source_key: one child per array element, given as item_key (default "item")
--                 and its 1-based position as index_key (default "index"), always literally.
--   static mode   flows = { {flow, input?, output_key?}, ... }.
--   input         a string naming a parent key copies its value; any other string is itself the value.
--   on_error      fail_fast (default: the step fails once all children are done) or ignore.
local flow = Flow.new("parallel_fanout")

flow:step("orders", function()
  return {
    currency = "EUR",
    orders = {
      { id = "A-1", qty = 2, unit_price = 5 },
      { id = "A-2", qty = 1, unit_price = 12.5 },
      { id = "A-3", qty = 4, unit_price = 3 },
      { id = "A-4", qty = 3, unit_price = 7 },
    },
  }
end)

flow:step("price_all", nodes.parallel_subworkflows({
  flow = "children/price_order.lua",
  source_key = "orders",
  item_key = "order",
  input = { currency = "currency" },
  max_concurrent = 2,
  output_key = "priced",
})):depends_on("orders")

flow:step("greet_team", nodes.parallel_subworkflows({
  flows = {
    { flow = "children/greet.lua", input = { name = "Ada" } },
    { flow = "children/greet.lua", input = { name = "Linus", punctuation = "." }, output_key = "result" },
  },
  output_key = "greetings",
}))

flow:step("summary", function(ctx)
  if ctx.priced_count ~= 4 or not ctx.priced_all_succeeded then error("pricing failed") end
  local sum = 0
  for i, entry in ipairs(ctx.priced) do
    if entry.position ~= i then error("results out of order") end
    sum = sum + entry.total
  end
  if sum ~= 55.5 then error("unexpected total " .. sum) end
  if ctx.greetings[1].greeting ~= "Hello, Ada!" or ctx.greetings[2].result.greeting ~= "Hello, Linus." then
    error("unexpected greetings")
  end
  log("info", "4 orders priced in parallel, total", sum, ctx.currency)
  return { grand_total = sum }
end):depends_on("price_all", "greet_team")

return flow
