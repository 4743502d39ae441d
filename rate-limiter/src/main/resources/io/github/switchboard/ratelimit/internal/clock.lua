-- Switchboard rate limiter: the clock of a call of several decisions (batched or mixed, after their head)
-- and of the fallback's carry.
-- clock(a): a decision's time, a (microseconds as text), or Redis's TIME when a is '' (read once a call).

local redisNow
local function clock(a)
  if a ~= '' then return tonumber(a) end
  if not redisNow then
    local t = redis.call('TIME')
    redisNow = tonumber(t[1]) * 1000000 + tonumber(t[2])
  end
  return redisNow
end
