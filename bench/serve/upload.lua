-- wrk script: POST /items at a fixed rate (pacing.lua: RATE, THREADS) with a new item id every request (unique across
-- threads and runs), a random creator, genre and content embedding of DIM values; the latency of each upload (its
-- dispatch included) is timed from its scheduled slot, the answer's item_id finding its request again.
package.path = (debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "?.lua;" .. package.path
local pacing = require("pacing")

local creators = tonumber(os.getenv("CREATORS") or "100")
local dim = tonumber(os.getenv("DIM") or "32")
local genres = tonumber(os.getenv("GENRES") or "10")
local run = os.getenv("RUN") or "0"
local counter = 0
local tag = nil
local reported = 0

pacing.stream{
  name = "upload",
  request = function()
    if tag == nil then
      tag = tostring({}):sub(8)
      math.randomseed(os.time() + tonumber(tag, 16))
    end
    counter = counter + 1
    local id = string.format("bench-%s-%s-%d", run, tag, counter)
    local vector = {}
    for d = 1, dim do vector[d] = string.format("%.4f", math.random() * 2 - 1) end
    local body = string.format('{"item_id":"%s","creator":%d,"genre":"g%02d","duration_ms":%d,"content_embedding":[%s]}',
      id, math.random(0, creators - 1), math.random(0, genres - 1), math.random(5000, 60000), table.concat(vector, ","))
    return wrk.format("POST", "/items", { ["Content-Type"] = "application/json" }, body), id
  end,
  key_of = function(body)
    local id = body:match('"item_id":"([^"]*)"')
    -- A refused upload's problem body is shown (the first few), since its latency is not timed.
    if id == nil and reported < 5 then reported = reported + 1; io.stderr:write("upload answered: " .. body .. "\n") end
    return id
  end,
}
