-- Puts a whole decoder pool into Redis when Redis does not have it: a new pool, or one whose data Redis
-- lost (a restart without persistence). Does nothing when the revision key exists, so that of several
-- coordinators seeding at once only the first one writes. Fields already present are never overwritten.
--
-- KEYS[1] nodes, KEYS[2] state, KEYS[3] abtests, KEYS[4] rev, KEYS[5] updated, KEYS[6] heartbeats,
-- KEYS[7] epoch: the revision the pool was seeded with, so that an instance that knew the pool before a
-- loss can tell that another instance has re-created it (and then merges back what it knew)
-- ARGV[1] the events channel
-- ARGV[2] n, then n pairs node_id, node JSON
-- then m, then m triples node_id, runtime JSON, last heartbeat microseconds (0: none)
-- then k, then k pairs name, A/B test JSON
--
-- The revision starts at the server's time in microseconds, so that it keeps growing across a restart
-- that lost the data (subscribers treat a smaller revision as already seen).
-- Returns the new revision, or 0 if the pool was already there.
local nodes, state, abtests, revkey, beats = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[6]
if redis.call('EXISTS', revkey) == 1 then
  return 0
end
local i = 3
local n = tonumber(ARGV[2])
for _ = 1, n do
  redis.call('HSETNX', nodes, ARGV[i], ARGV[i + 1])
  i = i + 2
end
local m = tonumber(ARGV[i])
i = i + 1
for _ = 1, m do
  local id = ARGV[i]
  if redis.call('HEXISTS', nodes, id) == 1 and redis.call('HSETNX', state, id, ARGV[i + 1]) == 1 then
    if tonumber(ARGV[i + 2]) > 0 then
      redis.call('ZADD', beats, ARGV[i + 2], id)
    end
  end
  i = i + 3
end
local k = tonumber(ARGV[i])
i = i + 1
for _ = 1, k do
  redis.call('HSETNX', abtests, ARGV[i], ARGV[i + 1])
  i = i + 2
end
local t = redis.call('TIME')
local rev = tonumber(t[1]) * 1000000 + tonumber(t[2])
redis.call('SET', revkey, string.format('%d', rev))
redis.call('SET', KEYS[7], string.format('%d', rev))
redis.call('PUBLISH', ARGV[1], '{"rev":' .. string.format('%d', rev) .. ',"op":"reset"}')
return rev
