-- Filter, deduplicate and batch an array of records.
--
-- data_filter keeps the items whose field satisfies one condition (eq, neq, gt, lt, gte, lte, contains,
-- exists, not_exists) and also writes <output_key>_count. deduplicate keeps the first item of each identity
-- (here the `sku` field) and writes <output_key>_removed. batch cuts an array into chunks of `size`.
local flow = Flow.new("filter_and_batch")

flow:step("load_orders", function(ctx)
  return {
    orders = {
      { id = 1, sku = "A-100", qty = 5, status = "paid" },
      { id = 2, sku = "B-200", qty = 1, status = "pending" },
      { id = 3, sku = "A-100", qty = 2, status = "paid" },
      { id = 4, sku = "C-300", qty = 8, status = "paid" },
      { id = 5, sku = "D-400", qty = 3, status = "refunded", note = "damaged" },
      { id = 6, sku = "E-500", qty = 4, status = "paid" },
      { id = 7, sku = "F-600", qty = 6, status = "paid" },
    },
  }
end)

flow:step("paid_only", nodes.data_filter({
  source_key = "orders",
  output_key = "paid",
  field = "status",
  op = "eq",
  value = "paid",
})):depends_on("load_orders")

flow:step("with_note", nodes.data_filter({
  source_key = "orders",
  output_key = "noted",
  field = "note",
  op = "exists",
})):depends_on("load_orders")

flow:step("unique_skus", nodes.deduplicate({
  source_key = "paid",
  output_key = "unique_paid",
  key = "sku",
})):depends_on("paid_only")

flow:step("in_batches", nodes.batch({
  source_key = "unique_paid",
  output_key = "batches",
  size = 2,
})):depends_on("unique_skus")

flow:step("report", nodes.log({
  message = "${ctx.paid_count} paid orders, ${ctx.unique_paid_removed} duplicate SKU removed, ${ctx.batches_count} batches: ${ctx.batches}",
})):depends_on("in_batches", "with_note")

flow:step("check", function(ctx)
  assert(ctx.paid_count == 5, "five paid orders")
  assert(ctx.noted_count == 1 and ctx.noted[1].id == 5, "one order has a note")
  assert(ctx.unique_paid_removed == 1, "A-100 appears twice")
  assert(ctx.unique_paid[1].id == 1, "the first occurrence is kept")
  assert(ctx.batches_count == 2, "four unique orders in batches of two")
  assert(#ctx.batches[1] == 2 and #ctx.batches[2] == 2, "two full batches")
  assert(ctx.batches[2][2].sku == "F-600", "order is preserved")
  return { verified = true }
end):depends_on("report")

return flow
