-- wrk script for one Kindred bench scenario (bench/run.py writes the scenario as a Lua table and sets
-- BENCH_CONFIG to its file). The table holds:
--   method   "GET" or "POST"
--   headers  table of header → value (session cookie, X-Forwarded-Proto, Origin, Authorization …)
--   targets  list of paths; each request takes the next one (per thread, round robin from a random start)
--   fields   for POST: list of {name=…, kind="fixed"|"choice"|"text"|"optional"|"unique", value=…, values={…}};
--            the body is generated per request: choices at random, free text from a small vocabulary
--   expect   list of expected status codes; anything else is counted as unexpected
--   location for redirects: a substring the Location header must contain (else unexpected)
-- done() prints one line "BENCH_RESULT {json}" with the latency percentiles (µs) and status counts.

local cfg = dofile(os.getenv("BENCH_CONFIG"))

local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
end

local words = {
  "mor", "far", "barnet", "skolen", "barnehagen", "samtale", "trygg", "bekymring", "hjemme", "venner",
  "informert", "avtale", "oppfølging", "helsesykepleier", "besteforeldre", "fritid", "søvn", "mat",
  "kontakt", "barnevernet", "støtte", "hverdagen", "tilsyn", "familien", "usikker", "god", "tid",
}

local function urlencode(s)
  s = tostring(s)
  s = string.gsub(s, "([^%w%-%._~ ])", function(c) return string.format("%%%02X", string.byte(c)) end)
  return (string.gsub(s, " ", "+"))
end

local function sentence()
  local n = math.random(0, 25)
  local out = {}
  for i = 1, n do out[i] = words[math.random(#words)] end
  return table.concat(out, " ")
end

local token_chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
local function unique_token()
  local out = {}
  for i = 1, 32 do
    local k = math.random(#token_chars)
    out[i] = token_chars:sub(k, k)
  end
  return table.concat(out)
end

local function body()
  if not cfg.fields then return nil end
  local parts = {}
  for _, f in ipairs(cfg.fields) do
    local value = nil
    if f.kind == "fixed" then
      value = f.value
    elseif f.kind == "choice" then
      value = f.values[math.random(#f.values)]
    elseif f.kind == "text" then
      value = sentence()
    elseif f.kind == "unique" then
      value = unique_token()
    elseif f.kind == "optional" then
      if math.random() < 0.5 then value = f.value end
    end
    if value ~= nil then
      table.insert(parts, urlencode(f.name) .. "=" .. urlencode(value))
    end
  end
  return table.concat(parts, "&")
end

local next_target = 1
statuses = {}
unexpected = 0
local expected = {}
for _, code in ipairs(cfg.expect or {200}) do expected[code] = true end

function init(args)
  math.randomseed(os.time() * 1000 + (tid or 0) * 7919)
  next_target = math.random(#cfg.targets)
end

function request()
  local path = cfg.targets[next_target]
  next_target = next_target % #cfg.targets + 1
  local headers = {}
  for k, v in pairs(cfg.headers or {}) do headers[k] = v end
  local b = body()
  if b then headers["Content-Type"] = "application/x-www-form-urlencoded" end
  return wrk.format(cfg.method or "GET", path, headers, b)
end

function response(status, headers, body)
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
  local ok = expected[status]
  if ok and cfg.location and status >= 300 and status < 400 then
    local location = headers["Location"] or headers["location"] or ""
    ok = string.find(location, cfg.location, 1, true) ~= nil
  end
  if not ok then unexpected = unexpected + 1 end
end

function done(summary, latency, requests)
  local total = {}
  local bad = 0
  for _, thread in ipairs(threads) do
    local counts = thread:get("statuses") or {}
    for k, v in pairs(counts) do total[k] = (total[k] or 0) + v end
    bad = bad + (thread:get("unexpected") or 0)
  end
  local status_parts = {}
  for k, v in pairs(total) do table.insert(status_parts, string.format('"%s":%d', k, v)) end
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"min":%d,"mean":%.1f,"max":%d,"stdev":%.1f,"p50":%d,"p90":%d,"p95":%d,"p99":%d},' ..
    '"statuses":{%s},"unexpected":%d}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.min, latency.mean, latency.max, latency.stdev,
    latency:percentile(50), latency:percentile(90), latency:percentile(95), latency:percentile(99),
    table.concat(status_parts, ","), bad))
end
