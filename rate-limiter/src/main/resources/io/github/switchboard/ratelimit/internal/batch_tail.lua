-- (the end of a batched script: see batch_head.lua)

local all = {}
local base = 2 + 2 * L
for j = 1, m do
  local r = decide(KEYS[j], clock(ARGV[base + 2 * j - 1]), tonumber(ARGV[base + 2 * j]))
  for x = 1, #r do all[#all + 1] = r[x] end
end
return all
