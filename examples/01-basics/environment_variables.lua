-- env(name) reads the process environment (including .env / --dotenv files) when the flow loads and
-- inside handlers. Values are not secret-proof: prefer passing credentials to nodes through their own
-- env fallbacks, and set IRONFLOW_ENV_ALLOWLIST to limit what env() can read.
--
--   ironflow --dotenv examples/01-basics/custom.env run examples/01-basics/environment_variables.lua
local app_env = env("APP_ENV") or "development"
local region = env("APP_REGION") or "local"

local flow = Flow.new("environment_variables")

flow:step("describe", nodes.template_render({
  template = "environment=" .. app_env .. " region=" .. region .. " user=${ctx.user}",
  output_key = "description",
}))

flow:step("at_run_time", function(ctx)
  return { home_is_set = env("HOME") ~= nil, loaded_env = app_env }
end)

flow:step("show", nodes.log({ message = "${ctx.description}" })):depends_on("describe", "at_run_time")

return flow
