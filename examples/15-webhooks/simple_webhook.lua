-- A webhook target: the JSON body of the request is the initial context; the server adds `_webhook`
-- (the webhook's name) and `_flow_dir`.
--
--   curl -s -X POST http://127.0.0.1:3000/webhooks/simple \
--     -H 'Content-Type: application/json' -d '{"event":"push","repository":"acme/shop","commits":3}'
--
-- Run it without a server too:
--   ironflow run examples/15-webhooks/simple_webhook.lua \
--     --context '{"event":"push","repository":"acme/shop","commits":3}'
local flow = Flow.new("simple_webhook")

flow:step("describe", nodes.template_render({
  template = "${ctx.event} on ${ctx.repository}: ${ctx.commits} commit(s)",
  output_key = "summary",
}))

flow:step("announce", nodes.log({ message = "webhook received: ${ctx.summary}" })):depends_on("describe")

flow:step("count", function(ctx)
  local n = tonumber(ctx.commits) or 0
  return { busy = n >= 10, received_by = ctx._webhook or "cli" }
end):depends_on("describe")

return flow
