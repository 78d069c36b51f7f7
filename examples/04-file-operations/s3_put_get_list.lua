-- Upload, read back, list and delete objects in S3 or any S3-compatible store (MinIO, s3rver, ...).
--
-- Nothing here names a server: the bucket comes from S3_BUCKET, the endpoint from AWS_ENDPOINT_URL (unset
-- for AWS itself) and the credentials and region from the standard AWS variables (AWS_ACCESS_KEY_ID,
-- AWS_SECRET_ACCESS_KEY, AWS_REGION) or an AWS profile. The test suite points them at a local s3rver.
-- Outputs use the prefix given by output_key (default "s3"): put -> {ok}_etag, get -> {ok}_content,
-- {ok}_size, {ok}_metadata, list -> {ok}_objects, {ok}_count.
local flow = Flow.new("s3_put_get_list")

local prefix = "examples/put-get-list/"

-- Text, with a content type and user metadata.
flow:step("put_text", nodes.s3_put_object({
  key = prefix .. "hello.txt",
  content = "Hello from IronFlow!",
  content_type = "text/plain; charset=utf-8",
  metadata = { author = "ironflow", purpose = "example" },
  output_key = "put_text",
}))

-- Binary data travels through the context as base64 (here a 1x1 PNG).
flow:step("put_image", nodes.s3_put_object({
  key = prefix .. "pixel.png",
  content = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
  encoding = "base64",
  content_type = "image/png",
  output_key = "put_image",
}))

flow:step("get_text", nodes.s3_get_object({
  key = prefix .. "hello.txt",
  output_key = "text",
})):depends_on("put_text")

flow:step("get_image", nodes.s3_get_object({
  key = prefix .. "pixel.png",
  encoding = "base64",
  output_key = "image",
})):depends_on("put_image")

flow:step("check", function(ctx)
  if ctx.text_content ~= "Hello from IronFlow!" then
    error("unexpected text: " .. tostring(ctx.text_content))
  end
  if ctx.image_size ~= 70 or ctx.image_content_type ~= "image/png" then
    error("unexpected image: " .. tostring(ctx.image_size) .. " bytes of " .. tostring(ctx.image_content_type))
  end
  return { author = ctx.text_metadata.author }
end):depends_on("get_text", "get_image")

flow:step("list", nodes.s3_list_objects({
  prefix = prefix,
  max_keys = 100,
  output_key = "listing",
})):depends_on("put_text", "put_image")

flow:step("report", nodes.log({
  message = "Read '${ctx.text_content}' (by ${ctx.author}, etag ${ctx.put_text_etag}); "
    .. "${ctx.listing_count} objects under ${ctx.listing_prefix}, the first is ${ctx.listing_objects[0].key} "
    .. "(${ctx.listing_objects[0].size} bytes)",
})):depends_on("check", "list")

flow:step("delete_text", nodes.s3_delete_object({
  key = prefix .. "hello.txt",
  output_key = "deleted_text",
})):depends_on("report")

flow:step("delete_image", nodes.s3_delete_object({
  key = prefix .. "pixel.png",
  output_key = "deleted_image",
})):depends_on("report")

return flow
