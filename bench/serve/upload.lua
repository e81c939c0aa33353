-- wrk script: POST /items with a new item id every request (unique across threads and runs), a random creator,
-- genre and content embedding of DIM values; each connection pauses DELAY_MS between requests (rate control).
local creators = tonumber(os.getenv("CREATORS") or "100")
local dim = tonumber(os.getenv("DIM") or "32")
local genres = tonumber(os.getenv("GENRES") or "10")
local pause = tonumber(os.getenv("DELAY_MS") or "0")
local run = os.getenv("RUN") or "0"
local counter = 0
local tag = nil

request = function()
  if tag == nil then
    tag = tostring({}):sub(8)
    math.randomseed(os.time() + tonumber(tag, 16))
  end
  counter = counter + 1
  local vector = {}
  for d = 1, dim do vector[d] = string.format("%.4f", math.random() * 2 - 1) end
  local body = string.format('{"item_id":"bench-%s-%s-%d","creator":%d,"genre":"g%02d","duration_ms":%d,"content_embedding":[%s]}',
    run, tag, counter, math.random(0, creators - 1), math.random(0, genres - 1), math.random(5000, 60000), table.concat(vector, ","))
  return wrk.format("POST", "/items", { ["Content-Type"] = "application/json" }, body)
end

delay = function() return pause end

response = function(status, headers, body)
  if status ~= 201 and status ~= 200 then io.stderr:write("upload answered " .. status .. ": " .. body .. "\n") end
end
