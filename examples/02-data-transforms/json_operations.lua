-- JSON text <-> values, and keeping only some fields of an object.
--
-- json_stringify writes compact JSON with sorted object keys (so equal objects give equal text);
-- json_parse reads it back; select_fields keeps the listed top-level fields.
local flow = Flow.new("json_operations")

flow:step("build_user", function(ctx)
  return {
    user = {
      name = "Zoë",
      email = "zoe@example.com",
      roles = { "admin", "editor" },
      password_hash = "not-for-export",
      address = { city = "Zürich", zip = "8001" },
    },
  }
end)

flow:step("to_json", nodes.json_stringify({
  source_key = "user",
  output_key = "user_json",
})):depends_on("build_user")

flow:step("from_json", nodes.json_parse({
  source_key = "user_json",
  output_key = "user_copy",
})):depends_on("to_json")

flow:step("public_fields", nodes.select_fields({
  source_key = "user_copy",
  output_key = "public_user",
  fields = { "name", "address", "roles", "nickname" },
})):depends_on("from_json")

flow:step("public_json", nodes.json_stringify({
  source_key = "public_user",
  output_key = "public_json",
})):depends_on("public_fields")

flow:step("show", nodes.log({
  message = "public profile: ${ctx.public_json}",
})):depends_on("public_json")

flow:step("check", function(ctx)
  assert(ctx.public_json == '{"address":{"city":"Zürich","zip":"8001"},"name":"Zoë","roles":["admin","editor"]}',
    "unexpected JSON: " .. ctx.public_json)
  assert(ctx.public_user.password_hash == nil, "unlisted fields are dropped")
  assert(ctx.user_copy.roles[2] == "editor", "the round trip keeps arrays")
  return { verified = true }
end):depends_on("show")

return flow
