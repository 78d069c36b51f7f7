-- The three auth types of the HTTP nodes: bearer (the default type), basic and api_key.
--
-- Tokens and keys are interpolated (so they can come from the context); basic credentials are used as
-- written. Credentials never appear in logs or error messages.
local flow = Flow.new("authenticated_request")

local base = env("HTTPBIN_URL") or "https://httpbin.org"

flow:step("bearer", nodes.http_get({
  url = base .. "/bearer",
  auth = { type = "bearer", token = env("API_TOKEN") or "demo-token" },
  output_key = "bearer",
}))

flow:step("basic", nodes.http_get({
  url = base .. "/basic-auth/demo/s3cret",
  auth = { type = "basic", username = "demo", password = "s3cret" },
  output_key = "basic",
}))

flow:step("api_key", nodes.http_get({
  url = base .. "/headers",
  auth = { type = "api_key", key = "demo-key", header = "X-Api-Key" },
  output_key = "keyed",
}))

flow:step("report", nodes.log({
  message = "bearer authenticated: ${ctx.bearer_data.authenticated}; basic user: ${ctx.basic_data.user}; "
    .. "api key header seen by the server: ${ctx.keyed_data.headers[\"X-Api-Key\"]}",
})):depends_on("bearer", "basic", "api_key")

return flow
