-- Switchboard rate limiter: integer helpers shared by every script (single and batched).
-- idiv: floor division exact for integers below 2^53; fmt: an integer as a decimal string, no exponent.

local function idiv(a, b)
  local q = math.floor(a / b)
  local r = a - q * b
  if r < 0 then q = q - 1 elseif r >= b then q = q + 1 end
  return q
end
local function fmt(x) return string.format('%.0f', x) end
