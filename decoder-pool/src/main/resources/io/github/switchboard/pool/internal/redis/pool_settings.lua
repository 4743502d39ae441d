-- Registers a coordinator's stale threshold in a decoder pool's settings and keeps the pool's "stale_after"
-- (which pool_apply.lua reads to decide whether a heartbeat is published, "back from stale") at the
-- SHORTEST threshold of the coordinators that registered one recently: a node back from stale for any
-- coordinator is then broadcast, so none of them has to wait for its once-a-second pull to learn it.
-- Each coordinator calls it on start-up, after every full read and every few seconds; an entry not
-- renewed for ARGV[3] (a coordinator gone, or reconfigured) stops counting and is removed, so the pool's
-- threshold can grow again. A coordinator that closes calls it with a threshold of 0: its entry is removed
-- at once and the threshold is the shortest of the others (unchanged if none is left).
--
-- KEYS[1] settings  hash: "stale_after" -> microseconds (the minimum); "c:<instance>" -> "<micros> <Redis
--                   TIME of the registration, microseconds>"
-- ARGV[1] the coordinator's instance id
-- ARGV[2] its stale threshold, microseconds (positive), or 0 when it leaves
-- ARGV[3] how long an entry counts without being renewed, microseconds
--
-- Returns the pool's stale threshold after the call, microseconds (0 if it did not change on leaving).
local settings, me, mine, keep = KEYS[1], ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local least
if mine > 0 then
  redis.call('HSET', settings, 'c:' .. me, string.format('%d %d', mine, now))
  least = mine
else
  redis.call('HDEL', settings, 'c:' .. me)
end
local all = redis.call('HGETALL', settings)
for i = 1, #all, 2 do
  local field, value = all[i], all[i + 1]
  if string.sub(field, 1, 2) == 'c:' and field ~= 'c:' .. me then
    local micros, at = string.match(value, '^(%d+) (%d+)$')
    micros, at = tonumber(micros), tonumber(at)
    if not micros or not at or now - at > keep then
      redis.call('HDEL', settings, field)
    elseif micros > 0 and (not least or micros < least) then
      least = micros
    end
  end
end
if not least then
  return 0
end
redis.call('HSET', settings, 'stale_after', string.format('%d', least))
return least
