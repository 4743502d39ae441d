-- Switchboard rate limiter: FIXED_WINDOW. One call decides one request against every limit atomically.
--
-- KEYS[1]  the client's state: a hash  prefix .. '{' .. base64url(key) .. '}:fw'
--          fields 's:<window>' (start of the window last written, µs) and 'c:<window>' (its count)
-- ARGV[1]  now in microseconds since the epoch, or '' to read Redis's TIME
-- ARGV[2]  permits requested; 0 = statistics only (nothing is written)
-- ARGV[3], ARGV[4], ...  one pair per limit: count, window in microseconds (integers, as decimal text)
--
-- Reply: {allowed (1|0), now, then per limit in ARGV order: used, remaining, resetAfter µs, retryAfter µs}
-- (used/remaining after the grant when allowed; retryAfter 0 for a limit that allows).
-- Windows are aligned to whole multiples of the window since the epoch. A denied request writes nothing.
-- Each write sets PEXPIRE to the longest window (rounded up to the millisecond): the most any window's state
-- can be needed, so a client clock lagging Redis's by less than a window never loses state early.
-- All arithmetic is on integers below 2^53; numbers sent to Redis are formatted with %.0f (never %.14g).

-- (idiv and fmt come from helpers.lua; key, now, n and L from prelude.lua, or when batched from
-- decide(key, now, n) and batch_head.lua)

local C, W, WS, fs, fc, fields = {}, {}, {}, {}, {}, {}
for i = 1, L do
  C[i] = tonumber(ARGV[1 + 2 * i])
  W[i] = tonumber(ARGV[2 + 2 * i])
  WS[i] = idiv(now, W[i]) * W[i]
  fs[i] = 's:' .. ARGV[2 + 2 * i]
  fc[i] = 'c:' .. ARGV[2 + 2 * i]
  fields[2 * i - 1] = fs[i]
  fields[2 * i] = fc[i]
end
local vals = redis.call('HMGET', key, unpack(fields))

local ok = true
local used, retry = {}, {}
for i = 1, L do
  local s = tonumber(vals[2 * i - 1])
  local c = tonumber(vals[2 * i])
  if s == WS[i] and c then used[i] = c else used[i] = 0 end
  if used[i] + n > C[i] then
    ok = false
    retry[i] = WS[i] + W[i] - now
  else
    retry[i] = 0
  end
end

if ok and n > 0 then
  local args = {}
  local ttl = 0
  for i = 1, L do
    used[i] = used[i] + n
    args[#args + 1] = fs[i]
    args[#args + 1] = fmt(WS[i])
    args[#args + 1] = fc[i]
    args[#args + 1] = fmt(used[i])
    local need = W[i]
    if need > ttl then ttl = need end
  end
  redis.call('HSET', key, unpack(args))
  redis.call('PEXPIRE', key, fmt(idiv(ttl + 999, 1000)))
end

local out = {ok and 1 or 0, now}
for i = 1, L do
  local rem = C[i] - used[i]
  if rem < 0 then rem = 0 end
  local reset = 0
  if used[i] > 0 then reset = WS[i] + W[i] - now end
  out[#out + 1] = used[i]
  out[#out + 1] = rem
  out[#out + 1] = reset
  if ok then out[#out + 1] = 0 else out[#out + 1] = retry[i] end
end
return out
