-- Stores a value (a load's result or a put), frees the load's lease if it is still this load's, and tells
-- every instance (their near caches drop the key; their waiters take the value).
-- KEYS[1] the entry, KEYS[2] its lease
-- ARGV[1] the encoded value, ARGV[2] its time to live in ms, ARGV[3] the load's token ('' for a put),
-- ARGV[4] the channel, ARGV[5] the message
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
if ARGV[3] ~= '' and redis.call('GET', KEYS[2]) == ARGV[3] then
  redis.call('DEL', KEYS[2])
end
redis.call('PUBLISH', ARGV[4], ARGV[5])
return 1
