-- Function calling, the whole round trip:
--   1. ask the model with a tool definition; it answers with a tool call instead of text;
--   2. run the tool in a Lua step (here a lookup table standing in for a weather service);
--   3. send the conversation back with the tool result; the model answers in words.
-- The second request carries the assistant's tool call and the tool result as messages whose string
-- fields are filled from the context with ${ctx.…} placeholders.
local flow = Flow.new("llm_openai_function_tools")

local weather_tool = {
  type = "function",
  ["function"] = {
    name = "get_weather",
    description = "Current weather for a city",
    parameters = {
      type = "object",
      properties = { city = { type = "string", description = "City name, e.g. Paris" } },
      required = { "city" },
    },
  },
}

flow:step("ask", nodes.llm({
  base_url = env("OPENAI_BASE_URL") or "https://api.openai.com/v1",
  model = "gpt-5-mini",
  prompt = "${ctx.question}",
  tools = { weather_tool },
  tool_choice = "auto",
  output_key = "ask",
}))

flow:step("run_tool", function(ctx)
  if not ctx.ask_tool_call_needed then
    error("the model answered without calling the tool: " .. ctx.ask_text)
  end
  local call = ctx.ask_tool_calls[1]
  local args = json_parse(call["function"].arguments)
  local reports = { Paris = "18°C and sunny", Oslo = "4°C with light rain" }
  return {
    tool_call_id = call.id,
    tool_name = call["function"].name,
    tool_args = call["function"].arguments,
    tool_result = reports[args.city] or ("no report for " .. tostring(args.city)),
  }
end):depends_on("ask")

flow:step("answer", nodes.llm({
  base_url = env("OPENAI_BASE_URL") or "https://api.openai.com/v1",
  model = "gpt-5-mini",
  tools = { weather_tool },
  messages = {
    { role = "user", content = "${ctx.question}" },
    {
      role = "assistant",
      content = "",
      tool_calls = {
        { id = "${ctx.tool_call_id}", type = "function",
          ["function"] = { name = "${ctx.tool_name}", arguments = "${ctx.tool_args}" } },
      },
    },
    { role = "tool", tool_call_id = "${ctx.tool_call_id}", content = "${ctx.tool_result}" },
  },
  output_key = "final",
})):depends_on("run_tool")

flow:step("show", nodes.log({
  message = "tool ${ctx.tool_name}(${ctx.tool_args}) -> ${ctx.tool_result}; answer: ${ctx.final_text}",
})):depends_on("answer")

return flow
