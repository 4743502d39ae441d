-- Removes one entry and tells every instance's near cache.
-- KEYS[1] the entry; ARGV[1] the channel, ARGV[2] the message
redis.call('DEL', KEYS[1])
redis.call('PUBLISH', ARGV[1], ARGV[2])
return 1
