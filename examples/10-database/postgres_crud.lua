-- PostgreSQL CRUD with db_exec and db_query.
--
-- The server comes from DATABASE_URL (postgres://user:password@host:port/db); the password never appears in
-- logs or errors. Context values are bound parameters: `$1`, `$2`... (or `?`) take the items of `params`,
-- and a ${ctx...} placeholder in the SQL is bound as well, never pasted into the text.
local flow = Flow.new("postgres_crud")

local db = env("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/postgres"

-- A script without parameters may hold several statements.
flow:step("create_table", nodes.db_exec({
  connection = db,
  query = [[
    DROP TABLE IF EXISTS ironflow_example_orders;
    CREATE TABLE ironflow_example_orders (
      id       serial PRIMARY KEY,
      customer text NOT NULL,
      total    numeric(10, 2) NOT NULL,
      paid     boolean NOT NULL DEFAULT false,
      items    jsonb NOT NULL DEFAULT '[]'
    );
  ]],
}))

flow:step("new_order", function(ctx)
  return {
    order = {
      customer = "O'Brien & Sons'; DELETE FROM ironflow_example_orders; --",
      total = 99.5,
      items = { { sku = "A-1", qty = 2 }, { sku = "B-7", qty = 1 } },
    },
  }
end)

flow:step("insert_first", nodes.db_exec({
  connection = db,
  query = "INSERT INTO ironflow_example_orders (customer, total, paid) VALUES ($1, $2, $3)",
  params = { "Acme", 12.25, true },
})):depends_on("create_table")

-- Objects and arrays are bound as JSON text, which a jsonb column accepts.
flow:step("insert_second", nodes.db_exec({
  connection = db,
  query = "INSERT INTO ironflow_example_orders (customer, total, items) VALUES (${ctx.order.customer}, ${ctx.order.total}, ${ctx.order.items})",
})):depends_on("create_table", "new_order")

flow:step("mark_paid", nodes.db_exec({
  connection = db,
  query = "UPDATE ironflow_example_orders SET paid = true WHERE customer = $1",
  params = { "${ctx.order.customer}" },
})):depends_on("insert_first", "insert_second")

flow:step("list_orders", nodes.db_query({
  connection = db,
  query = "SELECT id, customer, total, paid, items, jsonb_array_length(items) AS lines FROM ironflow_example_orders ORDER BY id",
  output_key = "orders",
})):depends_on("mark_paid")

flow:step("show_orders", nodes.log({
  message = "${ctx.orders_count} orders: ${ctx.orders}",
})):depends_on("list_orders")

flow:step("delete_small", nodes.db_exec({
  connection = db,
  query = "DELETE FROM ironflow_example_orders WHERE total < $1",
  params = { 50 },
})):depends_on("list_orders")

flow:step("count_orders", nodes.db_query({
  connection = db,
  query = "SELECT count(*) AS n, sum(total) AS revenue FROM ironflow_example_orders",
  output_key = "summary",
})):depends_on("delete_small")

flow:step("check", function(ctx)
  if ctx.orders_count ~= 2 then error("expected 2 orders, got " .. tostring(ctx.orders_count)) end
  local second = ctx.orders[2]
  if second.customer ~= "O'Brien & Sons'; DELETE FROM ironflow_example_orders; --" then
    error("the customer name was not stored verbatim")
  end
  if second.paid ~= true or second.lines ~= 2 or second.items[1].sku ~= "A-1" then
    error("unexpected second order")
  end
  if ctx.rows_affected ~= 1 then error("one small order should have been deleted") end
  if ctx.summary[1].n ~= 1 or ctx.summary[1].revenue ~= 99.5 then error("unexpected summary") end
  return { verified = true }
end):depends_on("count_orders", "show_orders")

return flow
