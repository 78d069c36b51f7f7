// What Lua's env(name) returns: the process environment (dotenv included), limited to the names in
// IRONFLOW_ENV_ALLOWLIST when that is set; an empty allowlist denies everything (IF-052b).
export function luaEnv(name: string): string | undefined {
  const allow = process.env.IRONFLOW_ENV_ALLOWLIST;
  if (allow !== undefined && !allow.split(',').some((n) => n.trim() === name)) return undefined;
  return process.env[name];
}
