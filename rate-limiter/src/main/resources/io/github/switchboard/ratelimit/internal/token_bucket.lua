-- Switchboard rate limiter: TOKEN_BUCKET as GCRA (generic cell rate algorithm).
--
-- KEYS[1]  the client's state: a hash  prefix .. '{' .. base64url(key) .. '}:tb'
--          field 't:<window>:<count>' = the theoretical arrival time (TAT) of that limit, µs
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
-- A limit whose count changed (a plan changed its limits, or a key moved to another plan with the same
-- algorithm) finds no field under its new count: carried() looks for the same window under another count
-- (or the field 't:<window>' of earlier versions, taken as is) and carries the permits it had used over,
-- expressed in the new interval (8 used of 10, now 20: 12 left), removing the old field. Only a request
-- (n > 0) writes that; statistics compute it and write nothing.
--
-- Layout (so that the batched script runs the very code of the single one): this file runs once per call
-- (the limits of ARGV, read once: scalars for one limit, tables for several), then defines
-- decide(key, now, n, out), which decides one request and appends its reply to out. idiv, fmt and the
-- reply and write helpers come from helpers.lua; L from prelude.lua (single), batch_head.lua (batched) or
-- mixed_head.lua (mixed: L = 0, and use(at) gives the one-limit decide a policy's limit, its planSize
-- values from ARGV[at], derived by RedisRateLimiter.planArgs); single_tail.lua, batch_tail.lua or
-- mixed_tail.lua call decide.

-- The TAT to use for window w (its field under count C is f, interval T) when f holds nothing: the state
-- of the same window under another count, carried over; nil when there is none.
local function carried(key, w, f, T, now, n, ttl)
  local all = redis.call('HGETALL', key)
  local pre = 't:' .. w
  for i = 1, #all, 2 do
    local g = all[i]
    if g ~= f and (g == pre or string.sub(g, 1, #pre + 1) == pre .. ':') then
      local tat = tonumber(all[i + 1])
      local c = tonumber(string.sub(g, #pre + 2))
      if tat and tat > now and c and c >= 1 then
        local Tc = idiv(tonumber(w) + c - 1, c)
        local Bc = c * Tc
        -- used = c - remaining, where remaining may be negative (more used than c: a limit lowered
        -- earlier), so that lowering a limit and raising it again loses nothing
        local rem = idiv(Bc - (tat - now), Tc)
        if rem > c then rem = c end
        tat = now + (c - rem) * T
      elseif not (tat and tat > now) then
        tat = nil
      end
      if n > 0 then
        redis.call('HDEL', key, g)
        if tat then
          redis.call('HSET', key, f, fmt(tat))
          redis.call('PEXPIRE', key, ttl)
        end
      end
      return tat
    end
  end
  return nil
end

local decide, planSize, use
if L <= 1 then
  -- one limit (the usual policy): the same rule with scalars, no table but the reply (Lua work and
  -- garbage are a good part of a call's time in Redis)
  local C1, T1, B1, f1, ttl1, w1
  if L == 1 then
    C1 = tonumber(ARGV[3])
    T1 = idiv(tonumber(ARGV[4]) + C1 - 1, C1)
    B1 = C1 * T1
    w1 = ARGV[4]
    f1 = 't:' .. w1 .. ':' .. ARGV[3]
    ttl1 = fmt(idiv(B1 + 999, 1000))
  else
    -- a mixed call: count, T, field, expiry in ms, as above, at ARGV[at..] (B follows, and the window
    -- is read from the field if carried needs it)
    planSize = 4
    use = function(at)
      C1, T1, f1, ttl1 = tonumber(ARGV[at]), tonumber(ARGV[at + 1]), ARGV[at + 2], ARGV[at + 3]
      B1 = C1 * T1
      w1 = nil
    end
  end
  decide = function(key, now, n, out)
    local raw = redis.call('HGET', key, f1)
    local tat = tonumber(raw)
    if not raw then tat = carried(key, w1 or string.match(f1, '^t:(%d+):'), f1, T1, now, n, ttl1) end
    if not tat or tat < now then tat = now end
    local nxt = tat + n * T1
    local ok = nxt - now <= B1
    local retry = 0
    if not ok then
      retry = nxt - B1 - now
    elseif n > 0 then
      tat = nxt
      redis.call('HSET', key, f1, fmt(tat))
      redis.call('PEXPIRE', key, ttl1)
    end
    local diff = tat - now
    local rem = 0
    if B1 - diff >= 0 then rem = idiv(B1 - diff, T1) end
    if rem > C1 then rem = C1 end
    reply1(out, ok, now, C1 - rem, rem, diff, retry)
  end
else
  -- several limits (L >= 2)
  local C, T, B, fields = {}, {}, {}, {}
  local ttl = 0
  for i = 1, L do
    C[i] = tonumber(ARGV[1 + 2 * i])
    local w = tonumber(ARGV[2 + 2 * i])
    T[i] = idiv(w + C[i] - 1, C[i])
    B[i] = C[i] * T[i]
    fields[i] = 't:' .. ARGV[2 + 2 * i] .. ':' .. ARGV[1 + 2 * i]
    if B[i] > ttl then ttl = B[i] end
  end
  local ttlMillis = fmt(idiv(ttl + 999, 1000))
  local tat, retry, hset = {}, {}, {}

  decide = several(L,
    function(key) return redis.call('HMGET', key, unpack(fields)) end,
    function(i, key, vals, now, n)
      local t0 = tonumber(vals[i])
      if not vals[i] then t0 = carried(key, ARGV[2 + 2 * i], fields[i], T[i], now, n, ttlMillis) end
      if not t0 or t0 < now then t0 = now end
      tat[i] = t0
      local late = t0 + n * T[i] - now - B[i]
      retry[i] = late > 0 and late or 0
      return late <= 0
    end,
    function(key, now, n)
      for i = 1, L do
        tat[i] = tat[i] + n * T[i]
        hset[2 * i - 1] = fields[i]
        hset[2 * i] = fmt(tat[i])
      end
      hwrite(key, hset, 2 * L, ttlMillis)
    end,
    function(out, at, i, now, ok)
      local diff = tat[i] - now
      local rem = 0
      if B[i] - diff >= 0 then rem = idiv(B[i] - diff, T[i]) end
      if rem > C[i] then rem = C[i] end
      put4(out, at, C[i] - rem, rem, diff, ok and 0 or retry[i])
    end)
end
