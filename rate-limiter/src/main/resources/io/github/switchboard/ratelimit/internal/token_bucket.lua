-- Switchboard rate limiter: TOKEN_BUCKET as GCRA (generic cell rate algorithm).
--
-- KEYS[1]  the client's state: a hash  prefix .. '{' .. base64url(key) .. '}:tb'
--          field 't:<window>' = the theoretical arrival time (TAT) of that limit, µs
-- ARGV[1]  now in microseconds since the epoch, or '' to read Redis's TIME
-- ARGV[2]  permits requested; 0 = statistics only (nothing is written)
-- ARGV[3], ARGV[4], ...  one pair per limit: count (the burst), window in microseconds
--
-- Reply: {allowed (1|0), now, then per limit in ARGV order: used, remaining, resetAfter µs, retryAfter µs}
--
-- Per limit (C, W): emission interval T = ceil(W / C) µs (rounded up, so the rate never exceeds C per W),
-- burst tolerance B = C * T. tat = max(stored TAT, now); next = tat + n * T. Allowed iff next - now <= B;
-- then TAT := next in every limit. retryAfter = next - B - now. remaining = min(C, floor((B - (TAT - now))
-- / T)) (0 if negative), used = C - remaining, resetAfter = TAT - now (at least 0). A write sets PEXPIRE to
-- the longest B (>= any TAT - now right after a grant), rounded up to the millisecond.

-- (idiv and fmt come from helpers.lua; key, now, n and L from prelude.lua, or when batched from
-- decide(key, now, n) and batch_head.lua)

local C, W, T, B, fields = {}, {}, {}, {}, {}
for i = 1, L do
  C[i] = tonumber(ARGV[1 + 2 * i])
  W[i] = tonumber(ARGV[2 + 2 * i])
  T[i] = idiv(W[i] + C[i] - 1, C[i])
  B[i] = C[i] * T[i]
  fields[i] = 't:' .. ARGV[2 + 2 * i]
end
local vals = redis.call('HMGET', key, unpack(fields))

local ok = true
local tat, retry = {}, {}
for i = 1, L do
  local t0 = tonumber(vals[i])
  if not t0 or t0 < now then t0 = now end
  tat[i] = t0
  local nxt = t0 + n * T[i]
  if nxt - now > B[i] then
    ok = false
    retry[i] = nxt - B[i] - now
  else
    retry[i] = 0
  end
end

if ok and n > 0 then
  local args = {}
  local ttl = 0
  for i = 1, L do
    tat[i] = tat[i] + n * T[i]
    args[#args + 1] = fields[i]
    args[#args + 1] = fmt(tat[i])
    local need = B[i]
    if need > ttl then ttl = need end
  end
  redis.call('HSET', key, unpack(args))
  redis.call('PEXPIRE', key, fmt(idiv(ttl + 999, 1000)))
end

local out = {ok and 1 or 0, now}
for i = 1, L do
  local diff = tat[i] - now
  local rem = 0
  if B[i] - diff >= 0 then rem = idiv(B[i] - diff, T[i]) end
  if rem > C[i] then rem = C[i] end
  out[#out + 1] = C[i] - rem
  out[#out + 1] = rem
  out[#out + 1] = diff
  if ok then out[#out + 1] = 0 else out[#out + 1] = retry[i] end
end
return out
