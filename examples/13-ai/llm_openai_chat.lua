-- One chat completion with OpenAI: a system prompt, a user prompt built from the context, and the
-- normalised outputs (reply text, model, token usage).
--
-- The API key is not written in the flow: the llm node reads OPENAI_API_KEY itself, so the key never
-- appears in the step's config or in the run record. OPENAI_BASE_URL points the flow at another
-- OpenAI-style server (the test suite uses a local stand-in).
--
--   OPENAI_API_KEY=sk-... ironflow run examples/13-ai/llm_openai_chat.lua --context '{"topic":"Lua"}'
local flow = Flow.new("llm_openai_chat")

flow:step("ask", nodes.llm({
  base_url = env("OPENAI_BASE_URL") or "https://api.openai.com/v1",
  model = "gpt-5-mini",
  system_prompt = "You are a concise assistant. Answer in two sentences at most.",
  prompt = "Explain what ${ctx.topic} is good for.",
  max_tokens = 200,
  output_key = "answer",
}))

flow:step("show", nodes.log({
  message = "[${ctx.answer_model}] ${ctx.answer_text} (usage: ${ctx.answer_usage})",
})):depends_on("ask")

return flow
