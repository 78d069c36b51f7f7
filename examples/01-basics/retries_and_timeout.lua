-- Retries and timeouts. `retries(n, backoff)` makes up to n more attempts, waiting backoff, 2x, 4x ...
-- seconds between them. `timeout(t)` is one deadline for the step, over every attempt and wait.
--
-- This flow ends `failed` on purpose: `too_slow` sleeps 5 s with a 1 s timeout.
local flow = Flow.new("retries_and_timeout")

-- Fails until the context has `token`; with retries it tries three times (0.2 s, then 0.4 s apart).
flow:step("needs_token", nodes.json_parse({ source_key = "token", output_key = "parsed" }))
  :retries(2, 0.2)
  :on_error("fallback")

flow:step("fallback", nodes.log({ message = "no token, continuing without it: ${ctx._error_message}" }))

flow:step("too_slow", nodes.delay({ seconds = 5 })):timeout(1)

flow:step("never_runs", nodes.log({ message = "skipped, because too_slow failed" })):depends_on("too_slow")

return flow
