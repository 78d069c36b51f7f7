-- Route on an HTTP status. By default the HTTP nodes fail on any status outside 200-299; with
-- fail_on_status = false they record the response ({ok}_status, {ok}_data, {ok}_headers) with
-- {ok}_success = false, so if_http_status can send 4xx and 5xx answers down their own branches.
local flow = Flow.new("if_http_status")

local base = env("HTTPBIN_URL") or "https://httpbin.org"

flow:step("probe", nodes.http_get({
  url = base .. "/status/404",
  fail_on_status = false,
  output_key = "probe",
}))

flow:step("route_status", nodes.if_http_status({
  status_key = "probe_status",
  routes = { ["404"] = "not_found", ["5xx"] = "server_error", ["2xx"] = "ok", default = "other" },
})):depends_on("probe")

flow:step("ok", nodes.log({ message = "Found it (${ctx.probe_status})" }))
  :depends_on("route_status"):route("ok")

flow:step("not_found", function(ctx)
  return { missing = { status = ctx.probe_status, success = ctx.probe_success } }
end):depends_on("route_status"):route("not_found")

flow:step("report_missing", nodes.log({
  message = "Not found: status ${ctx.missing.status}, success = ${ctx.missing.success}",
})):depends_on("not_found")

flow:step("server_error", nodes.log({ message = "Server error ${ctx.probe_status}, try later", level = "warn" }))
  :depends_on("route_status"):route("server_error")

flow:step("other", nodes.log({ message = "Unexpected status ${ctx.probe_status}" }))
  :depends_on("route_status"):route("other")

return flow
