-- Switchboard rate limiter: the end of a mixed script (see mixed_head.lua): the policies, then each
-- decision in turn under its own, its reply appended to the one reply.

local plans = {}
local at = 3
for i = 1, tonumber(ARGV[2]) do
  plans[i], at = plan(at)
end
local all = {}
local current
for j = 1, #KEYS do
  local p = plans[tonumber(ARGV[at])]
  if p ~= current then
    use(p)
    current = p
  end
  if compact then
    decide(KEYS[j], clock(''), 1, all)
    at = at + 1
  else
    decide(KEYS[j], clock(ARGV[at + 1]), tonumber(ARGV[at + 2]), all)
    at = at + 3
  end
end
return all
