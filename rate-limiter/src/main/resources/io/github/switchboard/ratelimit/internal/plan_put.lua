-- Adds or replaces a plan. KEYS[1] plans (hash name -> policy), KEYS[2] revision
-- ARGV[1] name, ARGV[2] encoded policy, ARGV[3] the most plans, ARGV[4] channel
-- Reply: the new revision, or -2 when the plan is new and there are ARGV[3] already
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 and redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[3]) then
  return -2
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
local rev = redis.call('INCR', KEYS[2])
redis.call('PUBLISH', ARGV[4], rev .. '|p|' .. ARGV[1] .. '|' .. ARGV[2])
return rev
