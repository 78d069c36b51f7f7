-- Query ArangoDB with AQL through its HTTP cursor API.
--
-- The server and credentials come from the environment when the step does not name them:
-- ARANGODB_URL (e.g. http://localhost:8529), ARANGODB_DATABASE, and ARANGODB_TOKEN (a JWT, sent as Bearer)
-- or ARANGODB_USERNAME / ARANGODB_PASSWORD (HTTP Basic). Pass values as bindVars rather than pasting
-- them into the query text. The example expects a `users` collection with name, age and active fields.
local flow = Flow.new("aql_query")

flow:step("active_users", nodes.arangodb_aql({
  query = "FOR u IN users FILTER u.active == @active SORT u.age DESC LIMIT 10 RETURN u.name",
  bindVars = { active = true },
  output_key = "active",
}))

flow:step("first_page", nodes.arangodb_aql({
  query = "FOR u IN users SORT u.age RETURN u",
  batchSize = 2,
  output_key = "page",
}))

flow:step("report", nodes.log({
  message = "${ctx.active_count} active users, oldest first: ${ctx.active_result}; "
    .. "first page has ${ctx.page_count} users (more on the server: ${ctx.page_has_more})",
})):depends_on("active_users", "first_page")

return flow
