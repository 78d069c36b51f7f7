-- Child flow for fire_and_forget.lua: slow bookkeeping that the parent does not wait for.
local flow = Flow.new("audit")

flow:step("pause", nodes.delay({ seconds = 0.2 }))

flow:step("record", nodes.log({ message = "audit: recorded event '${ctx.event}'" })):depends_on("pause")

return flow
