-- wrk script for scripts/bench-reads.sh: the three member read operations in equal shares (they take
-- turns), each on a random member from a CSV file (header line, externalId in the first column).
--   wrk -t2 -c1500 -d30s --latency -s scripts/bench-reads.lua http://127.0.0.1:18080 -- members.csv API_KEY

local ids = {}
local count = 0
local turn = 0
local paths = { "/status", "", "/transactions?limit=10" }

-- Runs in the main Lua state once per thread: gives each thread its own random seed.
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end

-- Runs in each thread's own Lua state.
function init(args)
  local csv, key = args[1], args[2]
  if csv == nil or key == nil then
    error("usage: wrk ... -s bench-reads.lua URL -- MEMBERS.csv API_KEY")
  end
  local header = true
  for line in io.lines(csv) do
    if header then
      header = false
    else
      local id = line:match("^([^,]+)")
      if id then
        count = count + 1
        ids[count] = id
      end
    end
  end
  if count == 0 then
    error("no member ids in " .. csv)
  end
  wrk.headers["Authorization"] = "Bearer " .. key
  math.randomseed(os.time() * 1000 + thread_number)
end

function request()
  turn = turn % 3 + 1
  return wrk.format("GET", "/v1/members/" .. ids[math.random(count)] .. paths[turn])
end
