-- Write, append, read, list and delete text files.
--
-- Everything happens in the directory given by the context key `work_dir` (it must exist; the flow
-- removes the files it created at the end). Relative paths would be relative to the directory ironflow
-- runs in, not to this file.
--
--   ironflow run examples/04-file-operations/read_write_files.lua --context '{"work_dir": "/tmp/demo"}'
local flow = Flow.new("read_write_files")

flow:step("write_greeting", nodes.write_file({
  path = "${ctx.work_dir}/greeting.txt",
  content = "Hello from IronFlow!\n",
}))

-- append = true adds to the end of the file instead of replacing it.
flow:step("append_line", nodes.write_file({
  path = "${ctx.work_dir}/greeting.txt",
  content = "This line was appended.\n",
  append = true,
})):depends_on("write_greeting")

-- `content` is interpolated, so it can carry context values.
flow:step("write_notes", nodes.write_file({
  path = "${ctx.work_dir}/notes.md",
  content = "# Notes\n\nWritten into ${ctx.work_dir}\n",
}))

-- Outputs greeting_content, greeting_path and greeting_success.
flow:step("read_greeting", nodes.read_file({
  path = "${ctx.work_dir}/greeting.txt",
  output_key = "greeting",
})):depends_on("append_line")

-- Outputs `listing`: an array of {name, type = "file" | "directory", path}.
flow:step("list_files", nodes.list_directory({
  path = "${ctx.work_dir}",
  output_key = "listing",
})):depends_on("append_line", "write_notes")

flow:step("check", function(ctx)
  local expected = "Hello from IronFlow!\nThis line was appended.\n"
  if ctx.greeting_content ~= expected then
    error("unexpected content in greeting.txt: " .. ctx.greeting_content)
  end
  local names = {}
  for _, entry in ipairs(ctx.listing) do
    if entry.type == "file" then
      names[#names + 1] = entry.name
    end
  end
  table.sort(names)
  local listed = table.concat(names, ", ")
  if not listed:find("greeting.txt", 1, true) or not listed:find("notes.md", 1, true) then
    error("list_directory did not show both files: " .. listed)
  end
  local _, lines = ctx.greeting_content:gsub("\n", "")
  return { file_names = listed, line_count = lines }
end):depends_on("read_greeting", "list_files")

flow:step("report", nodes.log({
  message = "Read ${ctx.line_count} lines from ${ctx.greeting_path}; files in the directory: ${ctx.file_names}",
})):depends_on("check")

flow:step("delete_greeting", nodes.delete_file({
  path = "${ctx.work_dir}/greeting.txt",
})):depends_on("report")

flow:step("delete_notes", nodes.delete_file({
  path = "${ctx.work_dir}/notes.md",
})):depends_on("report")

flow:step("list_after_cleanup", nodes.list_directory({
  path = "${ctx.work_dir}",
  output_key = "remaining",
})):depends_on("delete_greeting", "delete_notes")

flow:step("done", nodes.log({
  message = "Cleaned up; entries left in ${ctx.work_dir}: ${ctx.remaining}",
})):depends_on("list_after_cleanup")

return flow
