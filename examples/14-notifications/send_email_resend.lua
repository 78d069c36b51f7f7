-- Send an email through the Resend API (https://resend.com).
--
-- The API key comes from RESEND_API_KEY when the step has no api_key; it is sent as a Bearer token and
-- never shown. RESEND_API_URL may point the step at another endpoint (the test suite uses a stand-in).
local flow = Flow.new("send_email_resend")

flow:step("welcome", function()
  return { user = { name = "Ann", email = "ann@example.com" } }
end)

flow:step("send", nodes.send_email({
  api_url = env("RESEND_API_URL") or "https://api.resend.com/emails",
  from = "IronFlow <onboarding@resend.dev>",
  to = "${ctx.user.name} <${ctx.user.email}>",
  subject = "Welcome, ${ctx.user.name}",
  html = "<p>Hello ${ctx.user.name}, your account is ready.</p>",
  text = "Hello ${ctx.user.name}, your account is ready.",
})):depends_on("welcome")

flow:step("done", nodes.log({ message = "Resend accepted the message: id ${ctx.email_data.id}" })):depends_on("send")

return flow
