
local all = {}
local S = tonumber(ARGV[2])
local at = 3
local k = 1
for s = 1, S do
  local L = tonumber(ARGV[at])
  local lim = {'', ''}
  for i = 1, 2 * L do
    lim[2 + i] = ARGV[at + i]
  end
  at = at + 1 + 2 * L
  local decide = setup(lim, L)
  local m = tonumber(ARGV[at])
  at = at + 1
  for j = 1, m do
    decide(KEYS[k], clock(ARGV[at]), tonumber(ARGV[at + 1]), all)
    at = at + 2
    k = k + 1
  end
end
return all
