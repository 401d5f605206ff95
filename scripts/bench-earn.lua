-- wrk script for scripts/bench-earn.sh: POST /v1/transactions, one purchase per request, each with a unique
-- transactionId (prefix, wrk thread, per-thread counter), a random member from a CSV file (header line,
-- externalId in the first column), and a random basket drawn like OpenLoopPosts' (and the seeder's):
-- LINES lines of sku SKU-100..SKU-999, category by sku, quantity 1-3, unit price 1.99-99.99, total = sum of
-- the line amounts; occurredAt up to 7 days back; three in four purchases in store-1..store-50, else online.
--   wrk -t2 -c200 -d30s --latency -s scripts/bench-earn.lua http://127.0.0.1:18080 -- members.csv API_KEY PREFIX [LINES]
-- Counts responses by status; done() prints "STATUS <code> <count>" lines (201 = created; 200 would be a replay).

local ids = {}
local count = 0
local prefix
local lines = 5
local seq = 0
statuses = {} -- global: done() reads it from each thread with thread:get
local categories = { "grocery", "beverages", "household", "personal-care", "electronics", "clothing" }
local spread = 7 * 86400

local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_number", #threads)
end

function init(args)
  local csv, key
  csv, key, prefix = args[1], args[2], args[3]
  if csv == nil or key == nil or prefix == nil then
    error("usage: wrk ... -s bench-earn.lua URL -- MEMBERS.csv API_KEY PREFIX [LINES]")
  end
  if args[4] ~= nil then
    lines = tonumber(args[4])
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
  wrk.path = "/v1/transactions"
  wrk.headers["Authorization"] = "Bearer " .. key
  wrk.headers["Content-Type"] = "application/json"
  math.randomseed(os.time() * 1000 + thread_number)
end

function request()
  seq = seq + 1
  local items = {}
  local total = 0
  for i = 1, lines do
    local sku = 100 + math.random(0, 899)
    local quantity = math.random(1, 3)
    local amount = quantity * math.random(199, 9999)
    total = total + amount
    items[i] = string.format('{"sku":"SKU-%d","category":"%s","quantity":%d,"amount":%d}',
      sku, categories[sku % 6 + 1], quantity, amount)
  end
  local where
  if math.random(4) ~= 1 then
    where = string.format('"channel":"store","storeId":"store-%d"', math.random(1, 50))
  else
    where = '"channel":"online"'
  end
  local body = string.format(
    '{"transactionId":"%s-%d-%d","memberExternalId":"%s","occurredAt":"%s","total":%d,"currency":"EUR",%s,"items":[%s]}',
    prefix, thread_number, seq, ids[math.random(count)],
    os.date("!%Y-%m-%dT%H:%M:%SZ", os.time() - math.random(0, spread)), total, where, table.concat(items, ","))
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
