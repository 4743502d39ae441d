-- A failed load gives its lease back (if still its own) and wakes the waiters, one of whom loads next.
-- KEYS[1] the lease; ARGV[1] the load's token, ARGV[2] the channel, ARGV[3] the message
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
end
redis.call('PUBLISH', ARGV[2], ARGV[3])
return 1
