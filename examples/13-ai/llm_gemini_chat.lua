-- Gemini through its OpenAI-compatible endpoint, with the `custom` provider and a bearer key read by the
-- flow (the custom provider has no env fallback for the key). GEMINI_BASE_URL overrides the endpoint.
local flow = Flow.new("llm_gemini_chat")

flow:step("ask", nodes.llm({
  provider = "custom",
  base_url = env("GEMINI_BASE_URL") or "https://generativelanguage.googleapis.com/v1beta/openai",
  api_key = env("GEMINI_API_KEY"),
  model = "gemini-2.0-flash",
  prompt = "In one sentence, what is a directed acyclic graph?",
  output_key = "gemini",
}))

flow:step("show", nodes.log({ message = "${ctx.gemini_text}" })):depends_on("ask")

return flow
