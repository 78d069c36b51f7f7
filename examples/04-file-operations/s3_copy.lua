-- Server-side copy with s3_copy_object: the bytes never pass through IronFlow.
--
-- Keys may contain spaces, '+', '%', '&' or non-ASCII characters; the copy source is URL-encoded for you.
-- Both buckets default to S3_BUCKET; set source_bucket / bucket to copy between buckets. The endpoint,
-- region and credentials come from the standard AWS variables (see s3_put_get_list.lua).
local flow = Flow.new("s3_copy")

local name = "Quarterly report (Q1) + notes ü.txt"

flow:step("upload", nodes.s3_put_object({
  key = "examples/copy/" .. name,
  content = "Revenue up 12%.",
  content_type = "text/plain; charset=utf-8",
  metadata = { department = "finance" },
  output_key = "original",
}))

flow:step("copy", nodes.s3_copy_object({
  source_key = "${ctx.original_key}",
  key = "examples/copy/archive/" .. name,
  output_key = "copy",
})):depends_on("upload")

flow:step("list", nodes.s3_list_objects({
  prefix = "examples/copy/",
  output_key = "listing",
})):depends_on("copy")

flow:step("check", function(ctx)
  if ctx.listing_count ~= 2 then
    error("expected 2 objects, found " .. tostring(ctx.listing_count))
  end
  return { copied_etag_matches = ctx.copy_etag == ctx.original_etag }
end):depends_on("list")

flow:step("report", nodes.log({
  message = "Copied '${ctx.copy_source_key}' to '${ctx.copy_destination_key}' in ${ctx.copy_destination_bucket} "
    .. "(same ETag: ${ctx.copied_etag_matches}); ${ctx.listing_count} objects under examples/copy/",
})):depends_on("check")

flow:step("delete_original", nodes.s3_delete_object({
  key = "${ctx.copy_source_key}",
  output_key = "deleted_original",
})):depends_on("report")

flow:step("delete_copy", nodes.s3_delete_object({
  key = "${ctx.copy_destination_key}",
  output_key = "deleted_copy",
})):depends_on("report")

return flow
