-- wrk script: GET /api/v1/problems/{id}/matches?k=10 over random stored
-- problem ids gp-0000001 .. gp-N (the generator's ids). Environment:
-- EXPERTMATCH_TOKEN (bearer token), EXPERTMATCH_PROBLEMS (N), EXPERTMATCH_SEED
-- (another sequence of ids; default 0).
local token = os.getenv("EXPERTMATCH_TOKEN")
local n = tonumber(os.getenv("EXPERTMATCH_PROBLEMS") or "200000")
local offset = tonumber(os.getenv("EXPERTMATCH_SEED") or "0")
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("seed", counter)
end

function init(args)
  math.randomseed(1000 + offset + (seed or 0))
end

function request()
  local path = string.format("/api/v1/problems/gp-%07d/matches?k=10", math.random(n))
  return wrk.format("GET", path, {["Authorization"] = "Bearer " .. token})
end
-- Errors: wrk prints "Non-2xx or 3xx responses" and socket errors itself.
