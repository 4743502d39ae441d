-- Takes or renews the sweeper's lease of a decoder pool: at most one owner at a time, until it expires.
--
-- KEYS[1] the lease key
-- ARGV[1] the owner's id, ARGV[2] the lease time in milliseconds
-- Returns 1 if ARGV[1] holds the lease now, else 0.
local current = redis.call('GET', KEYS[1])
if current == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if current then
  return 0
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
