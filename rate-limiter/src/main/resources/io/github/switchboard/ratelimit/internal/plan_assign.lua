-- Puts a key on a plan. KEYS[1] plans, KEYS[2] assignments, KEYS[3] revision
-- ARGV[1] key, ARGV[2] plan, ARGV[3] the most assignments, ARGV[4] channel
-- Reply: the new revision; -1 no such plan; -2 the key is new and there are ARGV[3] assignments already
if redis.call('HEXISTS', KEYS[1], ARGV[2]) == 0 then
  return -1
end
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 0 and redis.call('HLEN', KEYS[2]) >= tonumber(ARGV[3]) then
  return -2
end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
local rev = redis.call('INCR', KEYS[3])
redis.call('PUBLISH', ARGV[4], rev .. '|a|' .. ARGV[2] .. '|' .. ARGV[1])
return rev
