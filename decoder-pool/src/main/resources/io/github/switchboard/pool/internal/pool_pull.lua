-- Pulls the heartbeats of a decoder pool recorded since a time, with their runtime states: how a
-- coordinator learns loads and heartbeat times, which quiet heartbeats (pool_apply.lua "hb") do not
-- publish. One call a second per coordinator, whatever the fleet's size.
--
-- KEYS[1] heartbeats  sorted set node_id -> last heartbeat, microseconds of Redis TIME
-- KEYS[2] state       hash node_id -> runtime JSON
-- ARGV[1] since: microseconds of Redis TIME; heartbeats at or after it are returned ("0": all)
--
-- Returns {now, id1, beat1, runtime1, id2, ...}: now Redis TIME in microseconds (the caller's next
-- "since", and a reading of Redis's clock), then per node its heartbeat time and runtime JSON ("" if the
-- state hash has none).
local now = redis.call('TIME')
local out = {string.format('%d', tonumber(now[1]) * 1000000 + tonumber(now[2]))}
local found = redis.call('ZRANGE', KEYS[1], ARGV[1], '+inf', 'BYSCORE', 'WITHSCORES')
local batch = 500
for from = 1, #found, 2 * batch do
  local ids = {}
  for i = from, math.min(#found, from + 2 * batch - 1), 2 do
    ids[#ids + 1] = found[i]
  end
  local states = redis.call('HMGET', KEYS[2], unpack(ids))
  for k = 1, #ids do
    out[#out + 1] = ids[k]
    out[#out + 1] = found[from + 2 * (k - 1) + 1]
    out[#out + 1] = states[k] or ''
  end
end
return out
