-- Switchboard rate limiter: the end of a batched script (see batch_head.lua): each decision in turn, its
-- reply appended to the one reply.

local all = {}
local base = 2 + 2 * L
if compact then
  local now = clock('')
  for j = 1, m do
    decide(KEYS[j], now, 1, all)
  end
else
  for j = 1, m do
    decide(KEYS[j], clock(ARGV[base + 2 * j - 1]), tonumber(ARGV[base + 2 * j]), all)
  end
end
return all
