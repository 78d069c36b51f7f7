-- Structured output: ask for JSON that follows a schema. The node fails the step when the reply is not
-- valid JSON, and puts the parsed value in <output_key>_json, so later steps read fields directly.
-- `response_format` may also be given as extra = { response_format = {...} } (the original's way).
local flow = Flow.new("llm_openai_response_format")

flow:step("extract", nodes.llm({
  base_url = env("OPENAI_BASE_URL") or "https://api.openai.com/v1",
  model = "gpt-5-mini",
  system_prompt = "Extract the fields from the report. Reply with JSON only.",
  prompt = "${ctx.report}",
  response_format = {
    type = "json_schema",
    json_schema = {
      name = "weather_report",
      strict = true,
      schema = {
        type = "object",
        properties = {
          city = { type = "string" },
          temperature_c = { type = "number" },
          raining = { type = "boolean" },
        },
        required = { "city", "temperature_c", "raining" },
        additionalProperties = false,
      },
    },
  },
  output_key = "extract",
}))

flow:step("use_fields", function(ctx)
  local data = ctx.extract_json
  return {
    summary = string.format("%s: %s°C, raining: %s", data.city, tostring(data.temperature_c), tostring(data.raining)),
  }
end):depends_on("extract")

flow:step("show", nodes.log({ message = "${ctx.summary}" })):depends_on("use_fields")

return flow
