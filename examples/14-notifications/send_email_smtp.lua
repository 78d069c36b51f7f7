-- Send an email through an SMTP server.
--
-- smtp_server, smtp_port, smtp_username and smtp_password fall back to SMTP_SERVER, SMTP_PORT,
-- SMTP_USERNAME and SMTP_PASSWORD (AUTH is used only when both credentials are set). smtp_tls is
-- "starttls" (default, port 587, the upgrade is required), "tls" (port 465) or "none" (port 25).
-- With both text and html the message is multipart/alternative.
local flow = Flow.new("send_email_smtp")

flow:step("report", function()
  return { report = { day = "Monday", orders = 17, revenue = "1,204.50" } }
end)

flow:step("send", nodes.send_email({
  provider = "smtp",
  smtp_tls = env("SMTP_TLS") or "starttls",
  from = "IronFlow Reports <reports@example.com>",
  to = { "Ann Lee <ann@example.com>", "ops@example.com" },
  subject = "Sales report for ${ctx.report.day}",
  text = "Orders: ${ctx.report.orders}\nRevenue: ${ctx.report.revenue}",
  html = "<h1>Sales report</h1><p>Orders: <b>${ctx.report.orders}</b><br>Revenue: ${ctx.report.revenue}</p>",
})):depends_on("report")

flow:step("done", nodes.log({ message = "SMTP server answered ${ctx.email_status}: ${ctx.email_data.message}" }))
  :depends_on("send")

return flow
