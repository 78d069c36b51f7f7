-- Validate context values against a JSON Schema with validate_schema, and recover from a failure.
--
-- On success the node writes validation_success = true and validation_errors = {}. On failure the step
-- fails with "Schema validation failed: <message> at <JSON pointer>; ..." listing every violation; here an
-- on_error handler turns that into a rejection record, so the run still succeeds.
local flow = Flow.new("schema_validation")

local user_schema = {
  type = "object",
  required = { "name", "email", "age" },
  properties = {
    name = { type = "string", minLength = 1 },
    email = { type = "string", format = "email" },
    age = { type = "integer", minimum = 0, maximum = 150 },
    role = { enum = { "admin", "editor", "viewer" } },
  },
  additionalProperties = false,
}

flow:step("input", function(ctx)
  return {
    good_user = { name = "Ann", email = "ann@example.com", age = 34, role = "editor" },
    bad_user = { name = "", email = "not-an-email", age = 200, nickname = "x" },
  }
end)

flow:step("check_good", nodes.validate_schema({
  source_key = "good_user",
  schema = user_schema,
})):depends_on("input")

flow:step("check_bad", nodes.validate_schema({
  source_key = "bad_user",
  schema = user_schema,
})):depends_on("input"):on_error("reject_bad")

flow:step("reject_bad", function(ctx)
  return { rejection = ctx._error_message }
end)

flow:step("report", nodes.log({
  message = "good user valid: ${ctx.validation_success}; bad user rejected: ${ctx.rejection}",
})):depends_on("check_good", "check_bad")

flow:step("check", function(ctx)
  assert(ctx.validation_success == true, "the good user is valid")
  local r = ctx.rejection
  assert(type(r) == "string" and r:find("Schema validation failed: ", 1, true), "failure message")
  assert(r:find(" at /email", 1, true), "format violation with its pointer")
  assert(r:find(" at /age", 1, true), "maximum violation")
  assert(r:find(" at /name", 1, true), "minLength violation")
  assert(r:find("('nickname')", 1, true), "the unexpected property is named")
  return { verified = true }
end):depends_on("report")

return flow
