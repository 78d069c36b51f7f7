-- Run programs with shell_command.
--
-- `cmd` is started directly (looked up in PATH), with `args` passed as they are: there is no shell
-- parsing, and no ${ctx...} interpolation in any shell_command parameter. When you need pipes,
-- redirections or variables, run `sh -c "..."` explicitly and pass values through `env`.
-- Outputs: <output_key>_stdout, _stderr, _code and _success (output_key defaults to "shell").
--
--   ironflow run examples/06-shell/run_commands.lua
local flow = Flow.new("run_commands")

flow:step("greeting", nodes.shell_command({
  cmd = "echo",
  args = { "Hello", "from", "IronFlow" },
  output_key = "greeting",
}))

-- `env` is added to the inherited environment.
flow:step("with_env", nodes.shell_command({
  cmd = "sh",
  args = { "-c", 'echo "user=$APP_USER mode=$APP_MODE"' },
  env = { APP_USER = "alice", APP_MODE = "demo" },
  output_key = "env_demo",
}))

flow:step("working_dir", nodes.shell_command({
  cmd = "pwd",
  cwd = "/",
  output_key = "cwd_demo",
}))

flow:step("system", nodes.shell_command({
  cmd = "uname",
  args = { "-s" },
  timeout = 10,
  output_key = "uname",
}))

flow:step("pipeline", nodes.shell_command({
  cmd = "sh",
  args = { "-c", "printf 'pear\\napple\\nfig\\n' | sort | tr '\\n' ' '" },
  output_key = "sorted",
}))

-- A non-zero exit fails the step, but its stdout, stderr and exit code are still written to the context
-- (failing_stdout, failing_stderr, failing_code, failing_success = false) and the on_error handler sees
-- them as ctx._error_output.
flow:step("failing", nodes.shell_command({
  cmd = "sh",
  args = { "-c", "echo 'partial output'; echo 'something went wrong' >&2; exit 3" },
  output_key = "failing",
})):on_error("handle_failure")

flow:step("handle_failure", function(ctx)
  local out = ctx._error_output or {}
  return {
    recovered = true,
    failure_message = ctx._error_message,
    failure_code = out.failing_code,
    failure_stderr = out.failing_stderr,
  }
end)

-- `timeout` kills the program and everything it started (its whole process group).
flow:step("too_slow", nodes.shell_command({
  cmd = "sh",
  args = { "-c", "sleep 30 & sleep 30" },
  timeout = 0.5,
  output_key = "slow",
})):on_error("handle_timeout")

flow:step("handle_timeout", function(ctx)
  return { timeout_handled = true, timeout_message = ctx._error_message }
end)

flow:step("report", nodes.log({
  message = "echo: ${ctx.greeting_stdout}env: ${ctx.env_demo_stdout}cwd: ${ctx.cwd_demo_stdout}"
    .. "system: ${ctx.uname_stdout}sorted: ${ctx.sorted_stdout}\n"
    .. "failing command exited with ${ctx.failure_code}, stderr: ${ctx.failure_stderr}"
    .. "recovered: ${ctx.recovered}; slow command: ${ctx.timeout_message}",
})):depends_on("greeting", "with_env", "working_dir", "system", "pipeline", "failing", "too_slow")

return flow
