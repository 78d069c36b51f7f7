-- The same kind of request through OpenAI's Responses API (mode = "responses"): the prompt becomes
-- `input`, the system prompt becomes `instructions`, max_tokens becomes max_output_tokens.
local flow = Flow.new("llm_openai_responses")

flow:step("ask", nodes.llm({
  mode = "responses",
  base_url = env("OPENAI_BASE_URL") or "https://api.openai.com/v1",
  model = "gpt-5-mini",
  system_prompt = "Answer in one short sentence.",
  prompt = "Name one use of a workflow engine for ${ctx.team}.",
  max_tokens = 120,
  output_key = "resp",
}))

flow:step("show", nodes.log({ message = "${ctx.resp_mode}: ${ctx.resp_text}" })):depends_on("ask")

return flow
