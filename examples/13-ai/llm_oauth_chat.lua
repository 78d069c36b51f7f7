-- A chat endpoint behind an OAuth 2 gateway: the node gets a client-credentials token from
-- OAUTH_TOKEN_URL (OAUTH_CLIENT_ID, OAUTH_CLIENT_SECRET, optional OAUTH_SCOPE), keeps it for the process
-- until shortly before it expires, and calls OAUTH_BASE_URL/chat/completions with it.
local flow = Flow.new("llm_oauth_chat")

flow:step("first", nodes.llm({
  provider = "oauth",
  model = "gpt-4o-mini",
  prompt = "Say hello to ${ctx.name}.",
  output_key = "first",
}))

-- Same credentials: this step reuses the cached token (no second token request).
flow:step("second", nodes.llm({
  provider = "oauth",
  model = "gpt-4o-mini",
  prompt = "Now say goodbye to ${ctx.name}.",
  output_key = "second",
})):depends_on("first")

flow:step("show", nodes.log({ message = "${ctx.first_text} / ${ctx.second_text}" })):depends_on("second")

return flow
