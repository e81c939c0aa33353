-- wrk script: GET /health at a fixed rate (pacing.lua: RATE, THREADS), the peer of the feed: the same HTTP stack
-- without recommendation work. Its answer carries no key, so only wrk's latency from the send is reported.
package.path = (debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "?.lua;" .. package.path
local pacing = require("pacing")

pacing.stream{
  name = "health",
  request = function() return wrk.format("GET", "/health"), nil end,
}
