-- wrk script for bench/http-load. Configured by environment:
--   WRK_MODE     product | search | checkout
--   WRK_DATA     product: file of active product ids, one a line
--                checkout: file of "cart_id bearer_token" lines, each cart open and holding items
--   WRK_THREADS  the -t value (cart lines are dealt round-robin to threads, so no cart is used twice)
--   WRK_OUT      file that done() writes its "key value" lines to
-- search uses the URL given to wrk as is.
--
-- Responses are counted by class: 2xx, 404, 409 insufficient_stock, other 409, 503, other 5xx, other.
-- A checkout thread that has used all of its carts sends POST /carts/0/checkout (404) and counts it as
-- "exhausted", so a run that outgrew its cart pool shows up instead of passing for a fast one.

local mode = os.getenv("WRK_MODE") or "search"
local threads = {}
local next_id = 1

function setup(thread)
   thread:set("id", next_id)
   table.insert(threads, thread)
   next_id = next_id + 1
end

local function read_lines(path)
   local lines = {}
   local f = assert(io.open(path, "r"), "cannot open " .. tostring(path))
   for line in f:lines() do
      if line ~= "" then lines[#lines + 1] = line end
   end
   f:close()
   return lines
end

local products = {}
local carts = {}
local position = 0

function init(args)
   ok, not_found, stock_409, other_409, unavailable, server_error, other, exhausted = 0, 0, 0, 0, 0, 0, 0, 0
   local thread_count = tonumber(os.getenv("WRK_THREADS") or "1")
   if mode == "product" then
      for _, line in ipairs(read_lines(os.getenv("WRK_DATA"))) do
         products[#products + 1] = wrk.format("GET", "/products/" .. line)
      end
      assert(#products > 0, "no product ids in " .. tostring(os.getenv("WRK_DATA")))
      math.randomseed(7919 * id)
   elseif mode == "checkout" then
      local token
      for index, line in ipairs(read_lines(os.getenv("WRK_DATA"))) do
         local cart, owner = line:match("^(%d+)%s+(%S+)$")
         token = owner
         if (index - 1) % thread_count == id - 1 then
            local headers = { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. owner }
            carts[#carts + 1] = wrk.format("POST", "/carts/" .. cart .. "/checkout", headers,
               '{"payment_method": "card"}')
         end
      end
      local spent = { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. tostring(token) }
      carts.spent = wrk.format("POST", "/carts/0/checkout", spent, '{"payment_method": "card"}')
   end
end

if mode == "product" then
   request = function()
      return products[math.random(#products)]
   end
elseif mode == "checkout" then
   request = function()
      position = position + 1
      local r = carts[position]
      if r then return r end
      exhausted = exhausted + 1
      return carts.spent
   end
end

function response(status, headers, body)
   if status >= 200 and status < 300 then
      ok = ok + 1
   elseif status == 404 then
      not_found = not_found + 1
   elseif status == 409 then
      if body and body:find("insufficient_stock", 1, true) then
         stock_409 = stock_409 + 1
      else
         other_409 = other_409 + 1
      end
   elseif status == 503 then
      unavailable = unavailable + 1
   elseif status >= 500 then
      server_error = server_error + 1
   else
      other = other + 1
   end
end

function done(summary, latency, requests)
   local totals = { ok = 0, not_found = 0, stock_409 = 0, other_409 = 0, unavailable = 0, server_error = 0, other = 0, exhausted = 0 }
   for _, thread in ipairs(threads) do
      for key, _ in pairs(totals) do
         totals[key] = totals[key] + (thread:get(key) or 0)
      end
   end
   local out = assert(io.open(os.getenv("WRK_OUT"), "w"))
   local e = summary.errors
   out:write(string.format("requests %d\n", summary.requests))
   out:write(string.format("duration_us %d\n", summary.duration))
   out:write(string.format("rps %.1f\n", summary.requests / (summary.duration / 1e6)))
   out:write(string.format("p50_ms %.3f\n", latency:percentile(50) / 1000))
   out:write(string.format("p99_ms %.3f\n", latency:percentile(99) / 1000))
   out:write(string.format("socket_errors %d\n", e.connect + e.read + e.write + e.timeout))
   for key, value in pairs(totals) do out:write(string.format("%s %d\n", key, value)) end
   out:close()
end
