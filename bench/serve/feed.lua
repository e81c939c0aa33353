-- wrk script: GET /users/{random user}/feed?k=20 at a fixed rate (pacing.lua: RATE, THREADS), the latency of each
-- feed timed from its scheduled slot; the answer names its user, which is how it finds its request again.
package.path = (debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "?.lua;" .. package.path
local pacing = require("pacing")

local users = tonumber(os.getenv("USERS") or "1000")
local seeded = false

pacing.stream{
  name = "feed",
  request = function()
    if not seeded then math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16)); seeded = true end
    -- A user with a feed still open is drawn again, so that each answer maps to one request.
    local user
    for _ = 1, 1000 do
      user = tostring(math.random(0, users - 1))
      if not pacing.is_open(user) then break end
    end
    return wrk.format("GET", "/users/" .. user .. "/feed?k=20"), user
  end,
  key_of = function(body) return body:match('^{"user":(%d+)') end,
}
