-- Steps without dependencies between them run at the same time (up to IRONFLOW_MAX_CONCURRENT_TASKS).
-- The three waits below take about one second together, not three; `summary` starts when all are done.
local flow = Flow.new("parallel_execution")

flow:step("fetch_users", nodes.delay({ seconds = 1 }))
flow:step("fetch_orders", nodes.delay({ seconds = 1 }))
flow:step("fetch_stock", nodes.delay({ seconds = 0.5 }))

flow:step("summary", nodes.log({ message = "all three branches finished" }))
  :depends_on("fetch_users", "fetch_orders", "fetch_stock")

return flow
