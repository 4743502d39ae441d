-- Reads the cache's generation (0 when there is none yet) and keeps its key alive: it outlives every
-- entry written under it (its time to live is twice theirs, renewed by every running instance).
-- KEYS[1] the generation; ARGV[1] its time to live in ms
-- Reply: the generation, or -1 if the key holds something that is not one
local g = redis.call('GET', KEYS[1])
if not g then
  return 0
end
local n = tonumber(g)
if not n or n < 0 or n ~= math.floor(n) then
  return -1
end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return n
