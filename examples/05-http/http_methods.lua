-- POST, PUT, PATCH and DELETE with the three body types: json (default), form and text.
local flow = Flow.new("http_methods")

local base = env("HTTPBIN_URL") or "https://httpbin.org"

flow:step("create", nodes.http_request({
  method = "POST",
  url = base .. "/post",
  body = { name = "IronFlow", tags = { "lua", "dag" } },
  output_key = "created",
}))

flow:step("update", nodes.http_put({
  url = base .. "/put",
  body_type = "form",
  body = { name = "IronFlow", version = 2 },
  output_key = "updated",
}))

flow:step("patch", nodes.http_request({
  method = "patch",
  url = base .. "/patch",
  body_type = "text",
  body = "renamed by ${ctx.created_data.json.name}",
  output_key = "patched",
})):depends_on("create")

flow:step("remove", nodes.http_delete({
  url = base .. "/delete",
  output_key = "deleted",
})):depends_on("update", "patch")

flow:step("report", nodes.log({
  message = "POST ${ctx.created_status} (json ${ctx.created_data.json}), PUT ${ctx.updated_status} (form ${ctx.updated_data.form}), "
    .. "PATCH ${ctx.patched_status} (text '${ctx.patched_data.data}'), DELETE ${ctx.deleted_status}",
})):depends_on("remove")

return flow
