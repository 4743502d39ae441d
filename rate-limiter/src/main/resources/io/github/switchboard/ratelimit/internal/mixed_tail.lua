-- Switchboard rate limiter: the end of a mixed script (see mixed_head.lua): each decision in turn under
-- its own policy (set when it differs from the one before: the client sends a policy's decisions
-- together when it can), its reply appended to the one reply.

local numbers = ARGV[3]
local first = 4
local at = first + tonumber(ARGV[2]) * planSize -- the times and permits, unless compact
local all = {}
local current
local byte = string.byte
local now = compact and clock('')
for j = 1, #KEYS do
  local i = byte(numbers, j)
  if i ~= current then
    use(first + (i - 49) * planSize)
    current = i
  end
  if compact then
    decide(KEYS[j], now, 1, all)
  else
    decide(KEYS[j], clock(ARGV[at]), tonumber(ARGV[at + 1]), all)
    at = at + 2
  end
end
return all
