-- Presigned URLs: hand out time-limited access to one object without sharing credentials.
--
-- s3_presign_url signs locally (no request to S3). A GET URL can be fetched by anyone holding it until it
-- expires; a PUT URL lets a client upload, and {ok}_headers lists the headers it must send (the signed
-- content type). The endpoint, region and credentials come from the standard AWS variables and the
-- bucket from S3_BUCKET (see s3_put_get_list.lua).
local flow = Flow.new("s3_presign_url")

local key = "examples/presign/greeting.txt"

flow:step("upload", nodes.s3_put_object({
  key = key,
  content = "Fetched through a presigned URL",
  content_type = "text/plain",
}))

flow:step("presign_get", nodes.s3_presign_url({
  key = key,
  expires_in = 300,
  output_key = "download",
})):depends_on("upload")

flow:step("fetch", nodes.http_get({
  url = "${ctx.download_url}",
  output_key = "fetched",
})):depends_on("presign_get")

flow:step("check", function(ctx)
  if ctx.fetched_data ~= "Fetched through a presigned URL" then
    error("unexpected body: " .. tostring(ctx.fetched_data))
  end
  return { fetched_ok = true }
end):depends_on("fetch")

flow:step("presign_put", nodes.s3_presign_url({
  key = "examples/presign/upload.txt",
  method = "PUT",
  content_type = "text/plain",
  expires_in = 300,
  output_key = "upload",
}))

-- A client uploads with the PUT URL, sending the headers the URL was signed with.
flow:step("upload_with_url", nodes.http_put({
  url = "${ctx.upload_url}",
  headers = { ["content-type"] = "${ctx.upload_headers[\"content-type\"]}" },
  body = "Uploaded through a presigned URL",
  body_type = "text",
  output_key = "uploaded",
})):depends_on("presign_put")

flow:step("read_upload", nodes.s3_get_object({
  key = "${ctx.upload_key}",
  output_key = "upload_check",
})):depends_on("upload_with_url")

flow:step("report", nodes.log({
  message = "The ${ctx.download_method} URL (valid ${ctx.download_expires_in}s) returned status ${ctx.fetched_status}; "
    .. "the PUT URL stored '${ctx.upload_check_content}' as ${ctx.upload_check_content_type}",
})):depends_on("check", "read_upload")

flow:step("cleanup", nodes.s3_delete_object({
  key = key,
  output_key = "deleted",
})):depends_on("report")

flow:step("cleanup_upload", nodes.s3_delete_object({
  key = "${ctx.upload_key}",
  output_key = "deleted_upload",
})):depends_on("report")

return flow
