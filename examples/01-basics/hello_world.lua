-- The smallest useful flow: render a greeting from the context, then log it.
--
--   ironflow run examples/01-basics/hello_world.lua --context '{"user_name":"Alice"}'
local flow = Flow.new("hello_world")

flow:step("greet", nodes.template_render({
  template = "Hello, ${ctx.user_name}! Welcome to IronFlow.",
  output_key = "greeting",
}))

flow:step("log_greeting", nodes.log({
  message = "${ctx.greeting}",
})):depends_on("greet")

return flow
