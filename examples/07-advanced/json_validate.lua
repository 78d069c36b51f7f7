-- Validate JSON against a JSON Schema with json_validate.
--
-- A string value is parsed as JSON first (invalid JSON fails with "Invalid JSON string in '<key>'"); any
-- other value is validated as it is. The draft comes from "$schema" (2020-12 when absent), formats such as
-- "email" and "date" are checked, and a failure lists every violation with its JSON pointer:
--   Schema validation failed: must have required property 'id' at ; must match format "email" at /email
local flow = Flow.new("json_validate")

local order_schema = {
  ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
  type = "object",
  required = { "id", "email", "items" },
  properties = {
    id = { type = "integer", minimum = 1 },
    email = { type = "string", format = "email" },
    placed = { type = "string", format = "date" },
    items = {
      type = "array",
      minItems = 1,
      items = {
        type = "object",
        required = { "sku", "qty" },
        properties = { sku = { type = "string" }, qty = { type = "integer", minimum = 1 } },
      },
    },
  },
}

flow:step("receive", function(ctx)
  return {
    order_text = '{"id": 42, "email": "buyer@example.com", "placed": "2024-05-01", "items": [{"sku": "A-1", "qty": 2}]}',
  }
end)

flow:step("validate_text", nodes.json_validate({
  source_key = "order_text",
  schema = order_schema,
})):depends_on("receive")

flow:step("parse", nodes.json_parse({
  source_key = "order_text",
  output_key = "order",
})):depends_on("validate_text")

-- The parsed value validates too (no string to parse this time).
flow:step("validate_value", nodes.json_validate({
  source_key = "order",
  schema = order_schema,
})):depends_on("parse")

flow:step("show", nodes.log({
  message = "order ${ctx.order.id} is valid: ${ctx.validation_success}",
})):depends_on("validate_value")

flow:step("check", function(ctx)
  assert(ctx.validation_success == true, "validation_success")
  assert(#ctx.validation_errors == 0, "no errors")
  assert(ctx.order.items[1].sku == "A-1", "parsed order")
  return { verified = true }
end):depends_on("show")

return flow
