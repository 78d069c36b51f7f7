-- A webhook that authorizes its caller with a forwarded header. ironflow.yaml lists `x-tenant-token` in
-- `forward_headers`, so the flow sees it as ctx._headers["x-tenant-token"]. The header is an
-- execution-only value: it is never written to the run record, the logs or API responses, so the flow
-- compares it and returns only the decision.
--
--   curl -s -X POST http://127.0.0.1:3000/webhooks/tenant \
--     -H 'Content-Type: application/json' -H 'X-Tenant-Token: tenant-demo-token-123' \
--     -d '{"action":"deploy","service":"billing"}'
--
-- The expected token comes from TENANT_TOKEN (default "tenant-demo-token-123").
local flow = Flow.new("auth_check")

flow:step("authorize", function(ctx)
  local headers = ctx._headers or {}
  local token = headers["x-tenant-token"]
  local expected = env("TENANT_TOKEN") or "tenant-demo-token-123"
  local ok = token ~= nil and token == expected
  return { decision = ok and "accepted" or "rejected" }
end)

flow:step_if('ctx.decision == "accepted"', "perform", nodes.template_render({
  template = "${ctx.action} of ${ctx.service} accepted",
  output_key = "result",
})):depends_on("authorize")

flow:step_if('ctx.decision == "rejected"', "refuse", nodes.log({
  level = "warn",
  message = "refused ${ctx.action}: bad or missing tenant token",
})):depends_on("authorize")

return flow
