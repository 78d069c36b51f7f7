-- Groq through its OpenAI-compatible endpoint (provider "openai_compatible" also works, with
-- OPENAI_COMPATIBLE_BASE_URL and OPENAI_API_KEY). GROQ_BASE_URL overrides the endpoint.
local flow = Flow.new("llm_groq_chat")

flow:step("ask", nodes.llm({
  provider = "custom",
  base_url = env("GROQ_BASE_URL") or "https://api.groq.com/openai/v1",
  api_key = env("GROQ_API_KEY"),
  model = "llama-3.3-70b-versatile",
  temperature = 0.2,
  prompt = "Suggest a name for a workflow about ${ctx.subject}.",
  output_key = "groq",
}))

flow:step("show", nodes.log({ message = "${ctx.groq_text}" })):depends_on("ask")

return flow
