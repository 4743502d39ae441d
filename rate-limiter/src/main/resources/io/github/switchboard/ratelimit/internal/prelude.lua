-- Switchboard rate limiter: the prelude of every algorithm's script (RedisRateLimiter prepends it).
--
-- Defines idiv (floor division exact for integers below 2^53), fmt (an integer as a decimal string, no
-- exponent), and reads the common arguments: key = KEYS[1]; now = ARGV[1] in microseconds, or Redis's TIME
-- when ARGV[1] is ''; n = ARGV[2], the permits requested; L = the number of (count, window) pairs that follow.

local function idiv(a, b)
  local q = math.floor(a / b)
  local r = a - q * b
  if r < 0 then q = q - 1 elseif r >= b then q = q + 1 end
  return q
end
local function fmt(x) return string.format('%.0f', x) end

local key = KEYS[1]
local now
if ARGV[1] == '' then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
else
  now = tonumber(ARGV[1])
end
local n = tonumber(ARGV[2])
local L = (#ARGV - 2) / 2

