-- Post a message to a Slack incoming webhook.
--
-- The webhook URL comes from SLACK_WEBHOOK when the step has no webhook_url; it is a secret, so messages
-- show it as https://hooks.slack.com/services/***. `text` is the message; `payload` may add any other
-- Slack field (blocks, username, icon_emoji, ...), and its strings are interpolated too.
local flow = Flow.new("slack_notification")

flow:step("build", function()
  return { job = { name = "nightly-import", rows = 1250, seconds = 42.5 } }
end)

flow:step("notify", nodes.slack_notification({
  text = "Job ${ctx.job.name} finished: ${ctx.job.rows} rows in ${ctx.job.seconds}s",
  payload = {
    username = "IronFlow",
    blocks = {
      { type = "section", text = { type = "mrkdwn", text = "*${ctx.job.name}* imported ${ctx.job.rows} rows" } },
    },
  },
})):depends_on("build")

flow:step("done", nodes.log({ message = "Slack answered ${ctx.slack_status}: ${ctx.slack_data}" })):depends_on("notify")

return flow
