-- SQLite CRUD with db_exec and db_query.
--
-- Values from the context reach the database only as bound parameters: `?` markers take the items of
-- `params` in order, and a ${ctx...} placeholder written in the SQL is bound too, never pasted into the text.
-- So the name below, quotes and all, is stored as plain data.
local flow = Flow.new("sqlite_crud")

-- mode=rwc creates the file when it does not exist yet (the default mode, rw, requires it).
local db = "sqlite:${ctx.work_dir}/crud_example.db?mode=rwc"

flow:step("create_table", nodes.db_exec({
  connection = db,
  query = [[
    CREATE TABLE IF NOT EXISTS users (
      id     INTEGER PRIMARY KEY,
      name   TEXT NOT NULL,
      email  TEXT NOT NULL UNIQUE,
      age    INTEGER,
      active BOOLEAN NOT NULL DEFAULT 1
    )
  ]],
}))

flow:step("insert_alice", nodes.db_exec({
  connection = db,
  query = "INSERT INTO users (name, email, age) VALUES (?, ?, ?)",
  params = { "Alice", "alice@example.com", 30 },
})):depends_on("create_table")

-- A value produced by an earlier step, as a form or a webhook would provide it.
flow:step("new_user", function(ctx)
  return { new_user = { name = "Robert'); DROP TABLE users; --", email = "bobby@example.com", age = 12 } }
end)

flow:step("insert_robert", nodes.db_exec({
  connection = db,
  query = "INSERT INTO users (name, email, age, active) VALUES (${ctx.new_user.name}, ${ctx.new_user.email}, ${ctx.new_user.age}, ?)",
  params = { false },
})):depends_on("create_table", "new_user")

flow:step("birthday", nodes.db_exec({
  connection = db,
  query = "UPDATE users SET age = age + 1 WHERE email = ?",
  params = { "alice@example.com" },
})):depends_on("insert_alice", "insert_robert")

flow:step("list_users", nodes.db_query({
  connection = db,
  query = "SELECT id, name, email, age, active FROM users ORDER BY id",
  output_key = "users",
})):depends_on("birthday")

flow:step("show_users", nodes.log({
  message = "${ctx.users_count} users: ${ctx.users}",
})):depends_on("list_users")

flow:step("remove_minors", nodes.db_exec({
  connection = db,
  query = "DELETE FROM users WHERE age < ?",
  params = { 18 },
})):depends_on("list_users")

flow:step("count_users", nodes.db_query({
  connection = db,
  query = "SELECT count(*) AS n FROM users",
  output_key = "remaining",
})):depends_on("remove_minors")

flow:step("check", function(ctx)
  if ctx.users_count ~= 2 then error("expected 2 users, got " .. tostring(ctx.users_count)) end
  if ctx.users[1].age ~= 31 then error("Alice should be 31 after her birthday") end
  if ctx.users[2].name ~= "Robert'); DROP TABLE users; --" then error("the name was not stored verbatim") end
  if ctx.users[2].active ~= false then error("a BOOLEAN column reads back as a boolean") end
  if ctx.rows_affected ~= 1 then error("one minor should have been removed") end
  if ctx.remaining[1].n ~= 1 then error("one user should remain") end
  return { verified = true }
end):depends_on("count_users", "show_users")

return flow
