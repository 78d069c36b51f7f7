-- The helper globals every Lua handler has: env, json_parse, json_stringify, base64_encode/decode,
-- uuid4, now_rfc3339, now_unix_ms, log, json_array, json_object, json_null, and the string, table,
-- math and utf8 libraries.
local flow = Flow.new("lua_globals")

flow:step("helpers", function(ctx)
  local doc = json_parse('{"name":"IronFlow","tags":["lua","dag"],"owner":null}')
  log("info", "parsed", doc.name, "with", #doc.tags, "tags")
  return {
    id = uuid4(),
    started_at = now_rfc3339(),
    epoch_ms = now_unix_ms(),
    encoded = base64_encode("hello"),
    decoded = base64_decode("aGVsbG8="),
    round_trip = json_stringify({ b = 2, a = 1 }),
    owner_is_null = doc.owner == json_null,
    empty_list = json_array({}),
    upper = string.upper(doc.name),
    joined = table.concat(doc.tags, "+"),
    pi = math.floor(math.pi * 100) / 100,
    chars = utf8.len("héllo"),
  }
end)

return flow
