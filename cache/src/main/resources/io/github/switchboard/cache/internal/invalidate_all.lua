-- Moves the cache to a new generation: every entry of the old one becomes unreachable at once (O(1)) and
-- expires with its time to live. Tells every instance, which drops its near cache.
-- KEYS[1] the generation; ARGV[1] the generation key's time to live in ms, ARGV[2] the channel,
-- ARGV[3] this instance's id
local g = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
redis.call('PUBLISH', ARGV[2], 'a|' .. g .. '|' .. ARGV[3])
return g
