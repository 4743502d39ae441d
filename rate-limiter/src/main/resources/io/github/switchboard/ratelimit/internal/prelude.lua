-- Switchboard rate limiter: the prelude of every algorithm's single-decision script (after helpers.lua).
--
-- Reads the common arguments: key = KEYS[1]; now = ARGV[1] in microseconds, or Redis's TIME when ARGV[1]
-- is ''; n = ARGV[2], the permits requested; L = the number of (count, window) pairs that follow.

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
