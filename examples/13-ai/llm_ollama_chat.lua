-- A local model through Ollama's own chat API (POST {OLLAMA_HOST}/api/chat, no key). The reply is asked
-- for as JSON (Ollama's `format`), so <output_key>_json holds the parsed object.
local flow = Flow.new("llm_ollama_chat")

flow:step("ask", nodes.llm({
  provider = "ollama",
  model = "llama3.2",
  system_prompt = "Reply with a JSON object with the keys word and reason.",
  prompt = "Pick one word that describes ${ctx.thing}.",
  response_format = "json_object",
  temperature = 0,
  output_key = "local_llm",
}))

flow:step("show", nodes.log({ message = "${ctx.local_llm_json}" })):depends_on("ask")

return flow
