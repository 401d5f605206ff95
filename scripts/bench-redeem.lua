-- wrk script for scripts/bench-redeem.sh: POST /v1/redemptions, one redemption of quantity 1 per request, each
-- with a unique redemptionId (prefix, wrk thread, per-thread counter) and a random member from a CSV file
-- (header line, externalId in the first column).
--   wrk -t2 -c200 -d30s --latency -s scripts/bench-redeem.lua http://127.0.0.1:18095 -- members.csv API_KEY PREFIX REWARD_ID
-- Counts responses by status; done() prints "STATUS <code> <count>" lines (201 = created; 200 would be a replay).

local ids = {}
local count = 0
local prefix
local reward
local seq = 0
statuses = {} -- global: done() reads it from each thread with thread:get

local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_number", #threads)
end

function init(args)
  local csv, key
  csv, key, prefix, reward = args[1], args[2], args[3], args[4]
  if csv == nil or key == nil or prefix == nil or reward == nil then
    error("usage: wrk ... -s bench-redeem.lua URL -- MEMBERS.csv API_KEY PREFIX REWARD_ID")
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
  wrk.method = "POST"
  wrk.path = "/v1/redemptions"
  wrk.headers["Authorization"] = "Bearer " .. key
  wrk.headers["Content-Type"] = "application/json"
  math.randomseed(os.time() * 1000 + thread_number)
end

function request()
  seq = seq + 1
  local body = string.format('{"redemptionId":"%s-%d-%d","memberExternalId":"%s","rewardId":"%s","quantity":1}',
    prefix, thread_number, seq, ids[math.random(count)], reward)
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for code, n in pairs(thread:get("statuses") or {}) do
      total[code] = (total[code] or 0) + n
    end
  end
  for code, n in pairs(total) do
    io.write(string.format("STATUS %d %d\n", code, n))
  end
end
