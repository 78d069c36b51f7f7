// The Lua side of the sandbox. It runs once per Lua state, before any user code, with the allowlisted
// standard libraries already open, and returns the internal table that the host keeps in the registry.
// User code never sees this table: each execution gets a fresh environment from new_env().
export const PRELUDE = `
local null, H = ...
local next, type, error, select, pcall, xpcall, setmetatable, getmetatable, tostring =
      next, type, error, select, pcall, xpcall, setmetatable, getmetatable, tostring
local collectgarbage = collectgarbage

-- Reachable through ("").dump even when the global copy lacks it, so remove it at the source.
string.dump = nil
-- Lock the shared string metatable: getmetatable("") must not hand out the real string library.
getmetatable("").__metatable = false

local deadline_hit = H.deadline_hit
-- pcall must not be able to swallow the error that ends a script at its budget.
local function pass(ok, ...)
  if not ok then
    local stop = deadline_hit()
    if stop then error(stop, 0) end
  end
  return ok, ...
end
local function safe_pcall(f, ...) return pass(pcall(f, ...)) end
local function safe_xpcall(f, h, ...) return pass(xpcall(f, h, ...)) end

local BASE = {
  assert = assert, error = error, getmetatable = getmetatable, setmetatable = setmetatable,
  ipairs = ipairs, pairs = pairs, next = next, pcall = safe_pcall, xpcall = safe_xpcall,
  print = H.print, rawequal = rawequal, rawget = rawget, rawlen = rawlen, rawset = rawset,
  select = select, tonumber = tonumber, tostring = tostring, type = type, _VERSION = _VERSION,
  env = H.env, base64_encode = H.base64_encode, base64_decode = H.base64_decode,
  json_parse = H.json_parse, json_stringify = H.json_stringify, log = H.log,
  uuid4 = H.uuid4, now_rfc3339 = H.now_rfc3339, now_unix_ms = H.now_unix_ms,
  json_null = null,
}
local LIBS = { string = string, table = table, math = math, utf8 = utf8 }
local function locked() error("the standard libraries are read-only in this sandbox", 2) end
local LIB_MT = {}
for name, lib in next, LIBS do
  LIB_MT[name] = { __index = lib, __newindex = locked, __metatable = false,
                   __pairs = function() return next, lib, nil end }
end
-- Globals resolve through this (shared, never reachable by scripts: the metatable is locked).
local ENV_MT = { __index = BASE, __metatable = false }

local I = {}

-- A fresh global table for one execution. Library tables are per-execution read-only views, so nothing
-- one script changes (even with rawset) can reach the next. Also returns the two marker metatables of
-- this execution. Building it costs a handful of allocations, not a copy of every library.
function I.new_env()
  local array_mt, object_mt = {}, {}
  local e = setmetatable({}, ENV_MT)
  for name in next, LIBS do e[name] = setmetatable({}, LIB_MT[name]) end
  e._G = e
  e.json_array = function(t)
    if t == nil then t = {} elseif type(t) ~= "table" then error("json_array expects a table", 2) end
    return setmetatable(t, array_mt)
  end
  e.json_object = function(t)
    if t == nil then t = {} elseif type(t) ~= "table" then error("json_object expects a table", 2) end
    return setmetatable(t, object_mt)
  end
  return e, array_mt, object_mt
end

-- The step's context: an empty table that fetches keys from the host on first use and caches them.
local ctx_index, ctx_all, rawlen = H.ctx_index, H.ctx_all, rawlen
local ctx_mt = {
  __index = ctx_index,
  __pairs = function(t) ctx_all(t) return next, t, nil end,
  __len = function(t) ctx_all(t) return rawlen(t) end,
}
function I.make_ctx() return setmetatable({}, ctx_mt) end

I.collect = function() collectgarbage() end
I.memory_kb = function() return collectgarbage("count") end
I.base_names = function()
  local names = {}
  for k in next, BASE do names[#names + 1] = k end
  for k in next, LIBS do names[#names + 1] = k end
  names[#names + 1] = "_G"; names[#names + 1] = "json_array"; names[#names + 1] = "json_object"
  return names
end
return I
`;
