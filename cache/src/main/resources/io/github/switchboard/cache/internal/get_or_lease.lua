-- A getOrLoad's look-up: the value, or the lease to load it, or how long the current lease has left.
-- KEYS[1] the entry, KEYS[2] its lease (one hash tag: one slot on a Cluster)
-- ARGV[1] this load's token, ARGV[2] the lease's life in ms,
-- ARGV[3] '1' when the caller found the entry unreadable: it is dropped and reloaded
-- Reply: {1, value} | {2} (the caller holds the lease and loads) | {3, ms left on the other's lease}
if ARGV[3] == '1' then
  redis.call('DEL', KEYS[1])
else
  local v = redis.call('GET', KEYS[1])
  if v then
    return {1, v}
  end
end
if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return {2}
end
local left = redis.call('PTTL', KEYS[2])
if left < 0 then
  left = 0
end
return {3, left}
