-- Removes a plan and every assignment to it. KEYS[1] plans, KEYS[2] assignments (hash key -> plan),
-- KEYS[3] revision; ARGV[1] name, ARGV[2] channel. Reply: the new revision (or the current one if the plan
-- did not exist: nothing changed, nothing published)
if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then
  return tonumber(redis.call('GET', KEYS[3]) or '0')
end
local all = redis.call('HGETALL', KEYS[2])
for i = 1, #all, 2 do
  if all[i + 1] == ARGV[1] then
    redis.call('HDEL', KEYS[2], all[i])
  end
end
local rev = redis.call('INCR', KEYS[3])
redis.call('PUBLISH', ARGV[2], rev .. '|r|' .. ARGV[1])
return rev
