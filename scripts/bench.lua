-- The one wrk script of scripts/bench.sh, for every closed-loop workload:
--   wrk ... -s scripts/bench.lua http://127.0.0.1:18080 -- MODE MEMBERS.csv API_KEY PREFIX SEED [EXTRA]
-- MODE reads:  the three member reads in turn (status, profile, first history page) on random members;
-- MODE earn:   POST /v1/transactions, a unique transactionId (PREFIX-thread-counter) per request and a basket
--              drawn from EXTRA, the file the one basket generator wrote (org.loyaltyengine.seed.Baskets);
-- MODE redeem: POST /v1/redemptions of reward EXTRA, quantity 1, a unique redemptionId per request.
-- The random generator is seeded with SEED (new for every run) and the thread number: an unseeded (or
-- equally seeded) generator repeats the same members in every thread and run and fakes a warm cache.
-- done() prints "STATUS <code> <count>" lines.

local mode, prefix, extra
local ids, count = {}, 0
local baskets, basket_count = {}, 0
local seq, turn = 0, 0
local reads = { "/status", "", "/transactions?limit=10" }
statuses = {} -- global: done() reads it from each thread with thread:get

local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_number", #threads)
end

local function read_lines(file, skip_header, into)
  local n = 0
  for line in io.lines(file) do
    if skip_header then
      skip_header = false
    else
      local value = into == ids and line:match("^([^,]+)") or line
      if value and value ~= "" then
        n = n + 1
        into[n] = value
      end
    end
  end
  if n == 0 then error("nothing read from " .. file) end
  return n
end

function init(args)
  local csv, key, seed
  mode, csv, key, prefix, seed, extra = args[1], args[2], args[3], args[4], tonumber(args[5]), args[6]
  if mode == nil or csv == nil or key == nil or prefix == nil or seed == nil then
    error("usage: wrk ... -s bench.lua URL -- reads|earn|redeem MEMBERS.csv API_KEY PREFIX SEED [BASKETS|REWARD]")
  end
  count = read_lines(csv, true, ids)
  wrk.headers["Authorization"] = "Bearer " .. key
  if mode == "earn" then
    basket_count = read_lines(extra, false, baskets)
    wrk.method, wrk.path = "POST", "/v1/transactions"
    wrk.headers["Content-Type"] = "application/json"
  elseif mode == "redeem" then
    wrk.method, wrk.path = "POST", "/v1/redemptions"
    wrk.headers["Content-Type"] = "application/json"
  elseif mode ~= "reads" then
    error("unknown mode " .. mode)
  end
  math.randomseed(seed * 1000 + thread_number)
  for _ = 1, 10 do math.random() end -- the first draws after seeding are poorly mixed in some Lua versions
end

function request()
  local member = ids[math.random(count)]
  if mode == "reads" then
    turn = turn % 3 + 1
    return wrk.format("GET", "/v1/members/" .. member .. reads[turn])
  end
  seq = seq + 1
  local body
  if mode == "earn" then
    body = string.format('{"transactionId":"%s-%d-%d","memberExternalId":"%s","occurredAt":"%s","currency":"EUR",%s}',
      prefix, thread_number, seq, member, os.date("!%Y-%m-%dT%H:%M:%SZ", os.time() - math.random(0, 7 * 86400)),
      baskets[math.random(basket_count)])
  else
    body = string.format('{"redemptionId":"%s-%d-%d","memberExternalId":"%s","rewardId":"%s","quantity":1}',
      prefix, thread_number, seq, member, extra)
  end
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
