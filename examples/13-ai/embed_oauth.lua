-- Embeddings from an OpenAI-style API behind an OAuth 2 gateway. The node fetches a client-credentials
-- token from OAUTH_TOKEN_URL (OAUTH_CLIENT_ID / OAUTH_CLIENT_SECRET / optional OAUTH_SCOPE) and calls
-- OAUTH_BASE_URL/embeddings with it. The token is cached for the whole process, per token URL, client
-- and secret, until 60 s before it expires: the two embedding steps below make one token request.
local flow = Flow.new("embed_oauth")

flow:step("questions", nodes.ai_embed({
  input_key = "questions",
  provider = "oauth",
  output_key = "q",
}))

flow:step("answers", nodes.ai_embed({
  input_key = "answers",
  provider = "oauth",
  output_key = "a",
})):depends_on("questions")

flow:step("show", nodes.log({
  message = "${ctx.q_count} questions and ${ctx.a_count} answers embedded with ${ctx.a_model}",
})):depends_on("answers")

return flow
