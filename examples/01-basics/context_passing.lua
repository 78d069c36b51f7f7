-- Each step's output is merged into the run context; later steps read it with ${ctx.key}.
--
--   ironflow run examples/01-basics/context_passing.lua --context '{"first_name":"Ada","last_name":"Lovelace"}'
local flow = Flow.new("context_passing")

flow:step("full_name", nodes.template_render({
  template = "${ctx.first_name} ${ctx.last_name}",
  output_key = "full_name",
}))

flow:step("greeting", nodes.template_render({
  template = "Dear ${ctx.full_name},",
  output_key = "greeting",
})):depends_on("full_name")

flow:step("show", nodes.log({ message = "${ctx.greeting} your profile is ready." })):depends_on("greeting")

return flow
