-- wrk script: GET /users/{random user}/feed?k=20, each connection pausing DELAY_MS between requests (rate control).
local users = tonumber(os.getenv("USERS") or "1000")
local pause = tonumber(os.getenv("DELAY_MS") or "0")
local seeded = false

request = function()
  if not seeded then math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16)); seeded = true end
  return wrk.format("GET", "/users/" .. math.random(0, users - 1) .. "/feed?k=20")
end

delay = function() return pause end
