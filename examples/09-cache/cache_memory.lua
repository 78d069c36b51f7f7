-- The memory cache: one map per process, shared by every step, run and subflow until the process exits.
--
-- cache_set stores a context value (source_key) or a literal (value), optionally with a ttl in seconds;
-- it writes cache_key and cache_stored. cache_get writes the value under output_key (default
-- cached_value), or null on a miss, and cache_hit. `key` is interpolated in both nodes.
local flow = Flow.new("cache_memory")

flow:step("load_profile", function(ctx)
  return {
    user_id = "u-" .. uuid4(),
    profile = { name = "Zoë", plan = "pro", features = { "export", "api" } },
  }
end)

flow:step("store_profile", nodes.cache_set({
  key = "profile:${ctx.user_id}",
  source_key = "profile",
  ttl = 300,
})):depends_on("load_profile")

flow:step("store_literal", nodes.cache_set({
  key = "settings:${ctx.user_id}",
  value = { theme = "dark", page_size = 50 },
})):depends_on("load_profile")

-- A ttl of 0 expires at once: the next read is a miss.
flow:step("store_expired", nodes.cache_set({
  key = "otp:${ctx.user_id}",
  value = "123456",
  ttl = 0,
})):depends_on("load_profile")

flow:step("read_profile", nodes.cache_get({
  key = "profile:${ctx.user_id}",
  output_key = "cached_profile",
})):depends_on("store_profile")

flow:step("read_settings", nodes.cache_get({
  key = "settings:${ctx.user_id}",
  output_key = "cached_settings",
})):depends_on("store_literal")

flow:step("read_expired", nodes.cache_get({
  key = "otp:${ctx.user_id}",
  output_key = "cached_otp",
})):depends_on("store_expired")

flow:step("remember_hits", function(ctx)
  return { otp_hit = ctx.cache_hit }
end):depends_on("read_expired")

flow:step("read_missing", nodes.cache_get({
  key = "never-stored:${ctx.user_id}",
  output_key = "cached_missing",
})):depends_on("remember_hits", "read_profile", "read_settings")

flow:step("show", nodes.log({
  message = "profile from cache: ${ctx.cached_profile}; settings: ${ctx.cached_settings}",
})):depends_on("read_missing")

flow:step("check", function(ctx)
  assert(ctx.cached_profile.name == "Zoë" and ctx.cached_profile.features[2] == "api", "profile round trip")
  assert(ctx.cached_settings.page_size == 50, "literal value round trip")
  assert(ctx.otp_hit == false and ctx.cached_otp == json_null, "ttl 0 expires at once")
  assert(ctx.cache_hit == false and ctx.cached_missing == json_null, "a miss is null")
  return { verified = true }
end):depends_on("show")

return flow
