-- Child flow of the 11-subworkflow examples (the example runner skips `children/`): it greets `ctx.name`.
-- Keys starting with `_` stay in the child's own run record and never reach the parent.
local flow = Flow.new("greet")

flow:step("compose", function(ctx)
  local name = ctx.name or "stranger"
  local punctuation = ctx.punctuation or "!"
  return { greeting = "Hello, " .. name .. punctuation, _draft = "internal note for " .. name }
end)

return flow
