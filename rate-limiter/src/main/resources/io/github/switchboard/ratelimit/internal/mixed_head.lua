-- Switchboard rate limiter: the head of an algorithm's mixed batch (after helpers.lua): decisions of
-- several policies of one algorithm (a limiter and its plans' limiters share a lane), in segments.
--
-- KEYS[1..]   the state key of each decision, in segment order
-- ARGV[1]     'm'
-- ARGV[2]     S, the number of segments; then for each segment: L, the 2L values of its limits (count,
--             window in microseconds, as in the single script), its number of decisions, and for each
--             decision its time ('' for Redis's TIME) and permits
--
-- Reply: the replies of the decisions, in KEYS order, each as the single script's.

local redisNow
local function clock(a)
  if a ~= '' then return tonumber(a) end
  if not redisNow then
    local t = redis.call('TIME')
    redisNow = tonumber(t[1]) * 1000000 + tonumber(t[2])
  end
  return redisNow
end

