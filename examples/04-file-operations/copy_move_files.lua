-- Copy a file, move (rename) the copy, check both have the same content, then clean up.
--
-- Works in the directory given by the context key `work_dir` (it must exist). copy_file overwrites an
-- existing destination; move_file is a rename, so both paths must be on the same filesystem. Neither
-- creates parent directories.
--
--   ironflow run examples/04-file-operations/copy_move_files.lua --context '{"work_dir": "/tmp/demo"}'
local flow = Flow.new("copy_move_files")

flow:step("create_original", nodes.write_file({
  path = "${ctx.work_dir}/report.txt",
  content = "Quarterly report\nrevenue=42\n",
}))

-- Outputs copy_file_source, copy_file_destination, copy_file_success.
flow:step("copy_to_backup", nodes.copy_file({
  source = "${ctx.work_dir}/report.txt",
  destination = "${ctx.work_dir}/report.backup.txt",
})):depends_on("create_original")

-- Outputs move_file_source, move_file_destination, move_file_success.
flow:step("archive_backup", nodes.move_file({
  source = "${ctx.work_dir}/report.backup.txt",
  destination = "${ctx.work_dir}/report.archived.txt",
})):depends_on("copy_to_backup")

flow:step("read_original", nodes.read_file({
  path = "${ctx.work_dir}/report.txt",
  output_key = "original",
})):depends_on("archive_backup")

flow:step("read_archived", nodes.read_file({
  path = "${ctx.work_dir}/report.archived.txt",
  output_key = "archived",
})):depends_on("archive_backup")

flow:step("list_files", nodes.list_directory({
  path = "${ctx.work_dir}",
  output_key = "listing",
})):depends_on("archive_backup")

flow:step("verify", function(ctx)
  if ctx.original_content ~= ctx.archived_content then
    error("the archived copy differs from the original")
  end
  for _, entry in ipairs(ctx.listing) do
    if entry.name == "report.backup.txt" then
      error("report.backup.txt should have been moved away")
    end
  end
  return { copies_match = true }
end):depends_on("read_original", "read_archived", "list_files")

flow:step("report", nodes.log({
  message = "Copied ${ctx.copy_file_source} to ${ctx.copy_file_destination}, moved it to ${ctx.move_file_destination}; contents match: ${ctx.copies_match}",
})):depends_on("verify")

flow:step("delete_original", nodes.delete_file({
  path = "${ctx.work_dir}/report.txt",
})):depends_on("report")

flow:step("delete_archived", nodes.delete_file({
  path = "${ctx.work_dir}/report.archived.txt",
})):depends_on("report")

return flow
