-- Child flow for on_error_example.lua: reads a JSON config file named by `ctx.path` and parses it.
-- When the file is missing, step `read` fails, the child run ends `failed`, and so does the parent step.
local flow = Flow.new("read_config")

flow:step("read", nodes.read_file({ path = "${ctx.path}" }))

flow:step("parse", nodes.json_parse({ source_key = "file_content", output_key = "config" })):depends_on("read")

return flow
