-- Open-loop pacing for wrk 4.1 scripts: a stream offers RATE requests a second whatever the service's latency, and
-- each answer's latency is measured from the slot it was scheduled for, not from when it could be sent.
--
-- How wrk drives a script (src/wrk.c): each thread runs its connections in one event loop with its own Lua state.
-- After a connection's answer (and before its first request) wrk calls the global delay(), waits that many whole
-- milliseconds (the number is truncated), then calls request() and sends; response() is called with each answer;
-- setup() and done() run in a separate state. None of these callbacks is told which connection it serves, so the
-- schedule is the thread's, not a connection's: thread i of THREADS owns the slots
--   start + i/RATE + k·THREADS/RATE   (k = 0, 1, 2, ...)
-- (together the threads' slots are one every 1/RATE s), every delay() claims the thread's next slot and returns the
-- time left to it (0 if it is already due), and the k-th request the thread sends carries its k-th slot (requests
-- leaving in the same turn of the event loop may so trade slots, which are a few ms apart at most). Any idle
-- connection serves the next slot, so the rate holds while a connection is free at each slot: with C connections in
-- all a stream keeps its rate up to a latency of about C/RATE (64 feed connections at 1,000 /s: 64 ms).
--
-- Latency from the slot: a request's latency is measured from its slot (or from its send, if the millisecond timer
-- let it go a little early), so a request sent late because every connection was busy, or because the client was
-- short of CPU, counts the time it waited. That removes the coordinated omission of a closed loop (wrk's own
-- latency starts at the send) for every answer timed; what stays untimed is said in the output: slots still due but
-- not sent when wrk stops (a backlog; it shows as an achieved rate below the offered one, flagged under 95%, and as
-- late sends, flagged above 5%), requests open when wrk stops (wrk drops them too) and answers without their key.
-- request() files the start under a key the answer carries (the feed's user, the upload's item id), response()
-- finds it again; error bodies (4xx/5xx) carry no key and are counted, not timed. A stream whose answers carry no
-- key at all (GET /health) gets only wrk's latency from the send, plus the count of late sends. wrk's figures are
-- printed as wrk computes them, after its own partial correction (stats_correct: each latency above twice a
-- connection's mean interval between requests adds made-up samples below it).
--
-- A stream script calls pacing.stream{ name = ..., request = function() return request_text, key end,
-- key_of = function(body) return key end } (key_of may be nil) and gets the wrk globals defined. Environment: RATE
-- (requests a second offered by the whole wrk run) and THREADS (the -t given to wrk, which the script cannot see).
local ffi = require("ffi")

local pacing = {}

pcall(ffi.cdef, [[
typedef struct { long tv_sec; long tv_nsec; } pacing_timespec;
int clock_gettime(int clock_id, pacing_timespec *tp);
]])
local CLOCK_MONOTONIC = 1 -- <time.h> on Linux; one clock for every thread of the process
local timespec = ffi.new("pacing_timespec")

local function now_us()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, timespec)
  return tonumber(timespec.tv_sec) * 1e6 + tonumber(timespec.tv_nsec) / 1e3
end

local function positive_number(variable)
  local text = os.getenv(variable)
  local value = tonumber(text or "")
  if value == nil or value <= 0 then
    io.stderr:write(string.format("pacing.lua: %s must be a positive number, got '%s'\n", variable, tostring(text)))
    os.exit(2)
  end
  return value
end

local rate = positive_number("RATE")
local threads = positive_number("THREADS")
local interval_us = threads * 1e6 / rate -- between two slots of one thread
local START_MARGIN_US = 20000 -- lets the connections open before the first slot is due
local LATE_US = 1000 -- wrk's timer counts whole milliseconds: a send within 1 ms of its slot is on time

-- Per-thread state, kept in globals so that done() can read it through thread:get().
pacing_latencies = {} -- microseconds from slot (or early send) to answer, one per matched answer
pacing_sent = 0
pacing_late = 0 -- sends more than LATE_US after their slot
pacing_overdue = 0 -- slots more than LATE_US past when a connection came free to claim them (no connection was free)
pacing_worst_late_us = 0
pacing_unmatched = 0 -- answers whose body did not carry a key of an open request
pacing_unscheduled = 0 -- sends wrk made without calling delay() first (it does after reopening a connection)

local claimed = 0 -- slots handed out by delay()
local open = {} -- key -> start (µs) of the requests awaiting their answer

local function slot_us(k)
  return pacing_start_us + pacing_index * 1e6 / rate + k * interval_us
end

-- The start a request sent now is measured from: the thread's earliest slot not yet sent.
local function take_slot()
  local now = now_us()
  if pacing_sent >= claimed then
    pacing_unscheduled = pacing_unscheduled + 1
    claimed = pacing_sent + 1
  end
  local slot = slot_us(pacing_sent)
  pacing_sent = pacing_sent + 1
  local late = now - slot
  if late > LATE_US then
    pacing_late = pacing_late + 1
    if late > pacing_worst_late_us then pacing_worst_late_us = late end
  end
  return math.min(slot, now)
end

-- True when a request with this key is awaiting its answer (a stream redraws such keys: they must be unique).
function pacing.is_open(key)
  return open[key] ~= nil
end

local function percentile(sorted, q)
  if #sorted == 0 then return 0 end
  return sorted[math.max(1, math.ceil(q * #sorted))]
end

local function ms(us) return string.format("%.2f ms", us / 1000) end

local function report(name, summary, latency, setups)
  local seconds = summary.duration / 1e6
  local achieved = summary.requests / seconds
  local latencies, sent, late, overdue, worst, unmatched, unscheduled = {}, 0, 0, 0, 0, 0, 0
  for _, thread in ipairs(setups) do
    for _, value in ipairs(thread:get("pacing_latencies")) do latencies[#latencies + 1] = value end
    sent = sent + thread:get("pacing_sent")
    late = late + thread:get("pacing_late")
    overdue = overdue + thread:get("pacing_overdue")
    worst = math.max(worst, thread:get("pacing_worst_late_us"))
    unmatched = unmatched + thread:get("pacing_unmatched")
    unscheduled = unscheduled + thread:get("pacing_unscheduled")
  end
  table.sort(latencies)
  local p = name .. ":"
  print(string.format("%s offered %.0f /s; achieved %.1f /s (%d answers in %.1f s, %d requests sent)",
    p, rate, achieved, summary.requests, seconds, sent))
  if #setups ~= threads then
    print(string.format("%s WARNING: THREADS=%d but wrk ran %d threads, so the offered rate was not %.0f /s", p, threads, #setups, rate))
  end
  if achieved < 0.95 * rate then
    print(string.format("%s BELOW THE OFFERED RATE: %.1f /s is %.0f%% of %.0f /s; the service (or the client) did not keep up,"
      .. " and the slots never sent are not timed, so the latencies at the offered rate are worse than these", p, achieved, 100 * achieved / rate, rate))
  end
  if #latencies > 0 then
    print(string.format("%s latency from the scheduled slot: p50 %s, p90 %s, p99 %s, max %s (%d answers timed)",
      p, ms(percentile(latencies, 0.50)), ms(percentile(latencies, 0.90)), ms(percentile(latencies, 0.99)),
      ms(latencies[#latencies]), #latencies))
  end
  print(string.format("%s latency from the send (wrk): p50 %s, p90 %s, p99 %s, max %s",
    p, ms(latency:percentile(50)), ms(latency:percentile(90)), ms(latency:percentile(99)), ms(latency.max)))
  print(string.format("%s sends more than 1 ms after their slot: %d of %d (%.1f%%), the latest %s after it; slots that"
    .. " found no connection free: %d (the other late sends: the client's event loop was late)",
    p, late, sent, sent > 0 and 100 * late / sent or 0, ms(worst), overdue))
  -- The achieved rate hides a backlog that is small beside the run (half a second behind at the end of 15 s is 97%),
  -- so many late sends are flagged too: the answers came more slowly than the schedule asked for them.
  if sent > 0 and late > 0.05 * sent then
    print(string.format("%s LATE SENDS: %.0f%% of the sends left over 1 ms after their slot (every connection still"
      .. " waiting for an answer, or the client's loop late): the schedule was not held; the latency from the slot"
      .. " counts that wait, wrk's does not", p, 100 * late / sent))
  end
  local errors = summary.errors
  if unmatched > 0 or unscheduled > 0 or errors.status > 0 or errors.timeout > 0 or errors.connect > 0 or errors.read > 0 or errors.write > 0 then
    print(string.format("%s errors: %d answers over 399, %d untimed answers (no key), %d sends without a slot, socket errors"
      .. " connect %d read %d write %d timeout %d", p, errors.status, unmatched, unscheduled,
      errors.connect, errors.read, errors.write, errors.timeout))
  end
end

function pacing.stream(spec)
  local setups = {}
  local start_us = nil

  setup = function(thread)
    start_us = start_us or (now_us() + START_MARGIN_US)
    thread:set("pacing_index", #setups)
    thread:set("pacing_start_us", start_us)
    setups[#setups + 1] = thread
  end

  delay = function()
    local wait_ms = (slot_us(claimed) - now_us()) / 1000
    claimed = claimed + 1
    if wait_ms < -LATE_US / 1000 then pacing_overdue = pacing_overdue + 1 end
    if wait_ms <= 0 then return 0 end
    return math.floor(wait_ms)
  end

  request = function()
    local text, key = spec.request()
    -- wrk calls request() once in thread 0's state before it starts (script_verify_request): that is not a send.
    if claimed == 0 then return text end
    local start = take_slot()
    if key ~= nil then open[key] = start end
    return text
  end

  if spec.key_of ~= nil then
    response = function(status, headers, body)
      local key = spec.key_of(body)
      local start = key and open[key]
      if start then
        pacing_latencies[#pacing_latencies + 1] = now_us() - start
        open[key] = nil
      else
        pacing_unmatched = pacing_unmatched + 1
      end
    end
  end

  done = function(summary, latency, requests)
    report(spec.name, summary, latency, setups)
  end
end

return pacing
