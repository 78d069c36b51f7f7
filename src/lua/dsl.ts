// The flow DSL (CORE 1), in Lua: Flow.new, flow:step, flow:step_if, the step builder and the `nodes`
// factories. It runs in the loader's environment before the flow file; the host then reads the returned
// flow with `extract`, which flattens every step into plain data plus the Lua function of handler steps.
export const DSL = `
local env, NODE_NAMES, caller_line = ...
local type, error, pcall, tostring, setmetatable, ipairs, select, next = type, error, pcall, tostring, setmetatable, ipairs, select, next

local nodes = {}
for _, name in ipairs(NODE_NAMES) do
  nodes[name] = function(config)
    if config == nil then config = {} end
    if type(config) ~= "table" then
      error("nodes." .. name .. "() expects a table of parameters, got " .. type(config), 2)
    end
    config._node_type = name
    return config
  end
end
setmetatable(nodes, {
  __index = function(_, k) error("Unknown node type '" .. tostring(k) .. "'", 2) end,
})

local function check_flow(self, method)
  if type(self) ~= "table" or type(self._steps) ~= "table" then
    error("flow:" .. method .. "() must be called on a flow with ':' (flow:" .. method .. "(...))", 3)
  end
end

local function new_record(self, name, handler, line, what)
  if type(name) ~= "string" then error(what .. "() expects a step name (string) as its first argument", 3) end
  local ht = type(handler)
  if ht ~= "table" and ht ~= "function" then
    error(what .. "() expects a node config table or a function", 3)
  end
  local rec = { name = name, handler = handler, deps = {}, max_retries = 0, backoff_s = 1.0, line = line }
  self._step_count = self._step_count + 1
  self._steps[self._step_count] = rec
  return rec
end

local function add_deps(rec, step_name, ...)
  for i = 1, select("#", ...) do
    local d = select(i, ...)
    if type(d) ~= "string" then
      error("depends_on() of step '" .. step_name .. "' expects step names (strings), got " .. type(d) ..
            (type(d) == "table" and "; write depends_on(\\"a\\", \\"b\\"), not depends_on({\\"a\\", \\"b\\"})" or ""), 3)
    end
    rec.deps[#rec.deps + 1] = d
  end
end

local function builder(rec, guard)
  local b = {}
  function b:depends_on(...)
    add_deps(guard or rec, rec.name, ...)
    return self
  end
  function b:retries(max, backoff)
    rec.max_retries = max
    rec.retries_set = true
    if backoff ~= nil then rec.backoff_s = backoff end
    return self
  end
  function b:timeout(seconds)
    rec.timeout_s = seconds
    rec.timeout_set = true
    return self
  end
  function b:on_error(handler_name)
    if type(handler_name) ~= "string" then error("on_error() of step '" .. rec.name .. "' expects a step name (string)", 2) end
    rec.on_error = handler_name
    return self
  end
  if not guard then
    function b:route(name)
      if type(name) ~= "string" then error("route() of step '" .. rec.name .. "' expects a route name (string)", 2) end
      rec.route = name
      return self
    end
  end
  return b
end

local function step(self, name, handler)
  check_flow(self, "step")
  local rec = new_record(self, name, handler, caller_line(), "step")
  return builder(rec)
end

local function step_if(self, condition, name, handler)
  check_flow(self, "step_if")
  if type(condition) ~= "string" then error("step_if() expects a condition (string) as its first argument", 2) end
  local line = caller_line()
  local guard = new_record(self, type(name) == "string" and ("_if_" .. name) or name,
                           { _node_type = "if_node", condition = condition }, line, "step_if")
  local rec = new_record(self, name, handler, line, "step_if")
  rec.deps[1] = guard.name
  rec.route = "true"
  return builder(rec, guard)
end

local Flow = {}
function Flow.new(name)
  if type(name) == "number" then name = tostring(name) end
  if type(name) ~= "string" then error("Flow.new() expects a flow name (string)", 2) end
  return { _name = name, _steps = {}, _step_count = 0, step = step, step_if = step_if }
end

env.Flow = Flow
env.nodes = nodes

-- Non-finite numbers cannot cross as JSON; pass them as text so validation can name the problem.
local huge = math.huge
local function num(v)
  if type(v) == "number" and (v ~= v or v == huge or v == -huge) then return tostring(v) end
  return v
end

-- Flatten a returned flow into plain tables the host converts to JSON. Handler functions are returned
-- separately (fns[i] belongs to steps[i]) because they travel as signed bytecode, not as JSON.
local function extract(flow)
  if type(flow) ~= "table" then return nil, "the flow file must return the flow created by Flow.new (got " .. type(flow) .. ")" end
  if type(flow._name) ~= "string" then return nil, "Flow must have a name: _name is " .. type(flow._name) end
  if type(flow._steps) ~= "table" then return nil, "Flow must have steps: _steps is " .. type(flow._steps) end
  local steps, fns = {}, {}
  for i, rec in ipairs(flow._steps) do
    local s = { name = rec.name, deps = rec.deps, max_retries = num(rec.max_retries), backoff_s = num(rec.backoff_s),
                timeout_s = num(rec.timeout_s), route = rec.route, on_error = rec.on_error, line = rec.line,
                timeout_set = rec.timeout_set, retries_set = rec.retries_set }
    local h = rec.handler
    if type(h) == "function" then
      s.node_type = "code"
      s.config = {}
      s.fn_key = "bytecode_b64"
      fns[i] = h
    else
      s.node_type = h._node_type
      local cfg = {}
      for k, v in next, h do
        if k ~= "_node_type" then cfg[k] = v end
      end
      if s.node_type == "code" and type(cfg.source) == "function" then
        fns[i] = cfg.source; cfg.source = nil; s.fn_key = "bytecode_b64"
      elseif s.node_type == "foreach" and type(cfg.transform) == "function" then
        fns[i] = cfg.transform; cfg.transform = nil; s.fn_key = "transform_bytecode_b64"
      end
      s.config = cfg
      s.config_is_array = (#h > 0)
    end
    steps[i] = s
  end
  return { name = flow._name, steps = steps, count = #flow._steps }, fns
end
return extract
`;
