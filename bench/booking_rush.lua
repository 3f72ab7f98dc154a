-- wrk script of bench/booking_rush.py: every request books another pupil, once.
--
--   wrk -t T -c C -d D -s bench/booking_rush.lua -H ... URL -- REQUESTS_FILE graphql|web T
--
-- Each line of REQUESTS_FILE is one POST: "PATH<TAB>COOKIE<TAB>BODY" (COOKIE may be empty);
-- the headers every request shares come from wrk's -H. The T threads share the lines out.
-- A thread prints "go" when it sends its first request and "drained" when every line it has
-- is answered; a connection whose thread has nothing left to send rests (`delay`), so the
-- bench ends wrk when all threads are drained, or wrk ends at D. `done` prints the figures
-- as "@ ..." lines for the bench to read.

local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

local lines = {}
local sent, reserved, answered = 0, 0, 0
local started = false
local classify

-- Globals, for `done` to read through thread:get.
outcomes = {}
resent = 0

local function graphql_outcome(status, body)
  if status == 429 then
    return "RATE_LIMITED (HTTP 429)"
  end
  local code = body:match('"code"%s*:%s*"([%w_]+)"')
  if status ~= 200 then
    return "HTTP " .. status .. (code and (" " .. code) or "")
  end
  if code then
    return code
  end
  if body:find('"booking"%s*:%s*{') then
    return "BOOKED"
  end
  return "unexpected answer"
end

local function web_outcome(status, body)
  if status == 303 then
    return "BOOKED"
  end
  -- The slot page again, with the refusal the domain gave.
  local why = body:match("Det gick inte att boka%.</strong>%s*([^<]-)%s*</p>")
  return "HTTP " .. status .. (why and (" " .. why) or "")
end

function init(args)
  local path, mode, count = args[1], args[2], tonumber(args[3])
  classify = mode == "web" and web_outcome or graphql_outcome
  local n = 0
  for line in io.lines(path) do
    if n % count == id then
      local target, cookie, body = line:match("^([^\t]*)\t([^\t]*)\t(.*)$")
      local headers = {}
      for name, value in pairs(wrk.headers) do
        headers[name] = value
      end
      if cookie ~= "" then
        headers["Cookie"] = cookie
      end
      lines[#lines + 1] = wrk.format("POST", target, headers, body)
    end
    n = n + 1
  end
end

-- Called before each request of a connection: go at once while lines are left, else rest.
function delay()
  if not started then
    started = true
    io.write("go\n")
    io.flush()
  end
  if reserved < #lines then
    reserved = reserved + 1
    return 0
  end
  return 3600 * 1000
end

function request()
  if reserved == 0 then
    -- wrk's own look at the script's request, before any connection asked `delay`: not sent.
    return lines[1]
  end
  sent = sent + 1
  if sent > #lines then
    -- Only when a connection was lost with its request unanswered: wrk reconnects and sends
    -- again without asking `delay`. The last pupil asks again; counted, and reported.
    resent = resent + 1
    return lines[#lines]
  end
  return lines[sent]
end

function response(status, headers, body)
  answered = answered + 1
  local kind = classify(status, body)
  outcomes[kind] = (outcomes[kind] or 0) + 1
  if answered == #lines then
    io.write("drained\n")
    io.flush()
  end
end

function done(summary, latency, requests)
  local total, again = {}, 0
  for _, thread in ipairs(threads) do
    for kind, count in pairs(thread:get("outcomes")) do
      total[kind] = (total[kind] or 0) + count
    end
    again = again + thread:get("resent")
  end
  io.write(string.format("@ requests %d\n", summary.requests))
  io.write(string.format("@ duration_us %d\n", summary.duration))
  io.write(string.format("@ resent %d\n", again))
  for _, name in ipairs({ "connect", "read", "write", "timeout" }) do
    io.write(string.format("@ socket %s %d\n", name, summary.errors[name]))
  end
  for _, p in ipairs({ 50, 90, 99 }) do
    io.write(string.format("@ latency_us p%d %d\n", p, latency:percentile(p)))
  end
  io.write(string.format("@ latency_us mean %d\n", latency.mean))
  io.write(string.format("@ latency_us max %d\n", latency.max))
  for kind, count in pairs(total) do
    io.write(string.format("@ outcome %d %s\n", count, kind))
  end
end
