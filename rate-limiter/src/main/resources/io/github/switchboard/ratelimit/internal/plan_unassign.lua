-- Takes a key off its plan. KEYS[1] assignments, KEYS[2] revision; ARGV[1] key, ARGV[2] channel
-- Reply: the new revision (or the current one if the key had no plan: nothing published)
if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then
  return tonumber(redis.call('GET', KEYS[2]) or '0')
end
local rev = redis.call('INCR', KEYS[2])
redis.call('PUBLISH', ARGV[2], rev .. '|u|' .. ARGV[1])
return rev
