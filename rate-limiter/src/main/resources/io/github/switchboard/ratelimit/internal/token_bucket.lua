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
--
-- Layout (so that the batched script runs the very code of the single one): this file runs once per call
-- (the limits of ARGV, read once, and scratch tables), then defines decide(key, now, n, out), which decides
-- one request and appends its reply to out. idiv and fmt come from helpers.lua; L from prelude.lua (single)
-- or batch_head.lua (batched); single_tail.lua or batch_tail.lua call decide.

local C, T, B, fields = {}, {}, {}, {}
local ttl = 0
for i = 1, L do
  C[i] = tonumber(ARGV[1 + 2 * i])
  local w = tonumber(ARGV[2 + 2 * i])
  T[i] = idiv(w + C[i] - 1, C[i])
  B[i] = C[i] * T[i]
  fields[i] = 't:' .. ARGV[2 + 2 * i]
  if B[i] > ttl then ttl = B[i] end
end
local ttlMillis = fmt(idiv(ttl + 999, 1000))
local tat, retry, hset = {}, {}, {}

local function decide(key, now, n, out)
  local vals
  if L == 1 then
    vals = redis.call('HGET', key, fields[1])
  else
    vals = redis.call('HMGET', key, unpack(fields))
  end
  local ok = true
  for i = 1, L do
    local t0
    if L == 1 then t0 = tonumber(vals) else t0 = tonumber(vals[i]) end
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
    for i = 1, L do
      tat[i] = tat[i] + n * T[i]
      hset[2 * i - 1] = fields[i]
      hset[2 * i] = fmt(tat[i])
    end
    redis.call('HSET', key, unpack(hset, 1, 2 * L))
    redis.call('PEXPIRE', key, ttlMillis)
  end

  local o = #out
  out[o + 1] = ok and 1 or 0
  out[o + 2] = now
  for i = 1, L do
    local diff = tat[i] - now
    local rem = 0
    if B[i] - diff >= 0 then rem = idiv(B[i] - diff, T[i]) end
    if rem > C[i] then rem = C[i] end
    local at = o + 4 * i - 1
    out[at] = C[i] - rem
    out[at + 1] = rem
    out[at + 2] = diff
    if ok then out[at + 3] = 0 else out[at + 3] = retry[i] end
  end
end
