-- Azure OpenAI: the request goes to {endpoint}/openai/deployments/{deployment}/chat/completions with an
-- `api-key` header. Endpoint, key, deployment and api-version come from AZURE_OPENAI_ENDPOINT,
-- AZURE_OPENAI_API_KEY, AZURE_OPENAI_CHAT_DEPLOYMENT and AZURE_OPENAI_API_VERSION (read by the node).
local flow = Flow.new("llm_azure_chat")

flow:step("ask", nodes.llm({
  provider = "azure",
  system_prompt = "You are a helpful assistant.",
  prompt = "Give one tip for writing clear commit messages.",
  output_key = "azure",
}))

flow:step("show", nodes.log({ message = "${ctx.azure_model}: ${ctx.azure_text}" })):depends_on("ask")

return flow
