-- Pulls the heartbeats of a decoder pool recorded since a time, with their runtime states, one page at a
-- time: how a coordinator learns loads and heartbeat times, which quiet heartbeats (pool_apply.lua "hb")
-- do not publish. A coordinator pulls once a second; a pull is a walk of pages in heartbeat-time order,
-- each at most ARGV[4] heartbeats, so that no call holds Redis for long whatever the fleet's size (a
-- single call for 20,000 heartbeats held it for about 35 ms, and every other command waited behind it).
--
-- KEYS[1] heartbeats  sorted set node_id -> last heartbeat, microseconds of Redis TIME
-- KEYS[2] state       hash node_id -> runtime JSON
-- ARGV[1] since: microseconds of Redis TIME; heartbeats at or after it are returned ("0": all)
-- ARGV[2] upto: microseconds; heartbeats at or before it are returned; "" for Redis TIME now (the first
--         page of a walk, whose "now" the caller passes on to the next pages, so the walk ends)
-- ARGV[3] offset: heartbeats at exactly `since` the walk's earlier pages already returned (0 at first)
-- ARGV[4] count: the most heartbeats returned, 1 to 2000
--
-- Returns {now, id1, beat1, runtime1, id2, ...}: now Redis TIME in microseconds (a reading of Redis's
-- clock, and the walk's end and the next pull's "since"), then per node its heartbeat time and runtime
-- JSON ("" if the state hash has none), in heartbeat-time order. Fewer than `count` heartbeats: the last
-- page.
local now = redis.call('TIME')
local nowMicros = string.format('%d', tonumber(now[1]) * 1000000 + tonumber(now[2]))
local upto = ARGV[2] ~= '' and ARGV[2] or nowMicros
local count = math.max(1, math.min(2000, tonumber(ARGV[4])))
local out = {nowMicros}
local found = redis.call('ZRANGE', KEYS[1], ARGV[1], upto, 'BYSCORE', 'LIMIT', ARGV[3], count, 'WITHSCORES')
if #found == 0 then
  return out
end
local ids = {}
for i = 1, #found, 2 do
  ids[#ids + 1] = found[i]
end
local states = redis.call('HMGET', KEYS[2], unpack(ids))
for k = 1, #ids do
  out[#out + 1] = ids[k]
  out[#out + 1] = found[2 * k]
  out[#out + 1] = states[k] or ''
end
return out
