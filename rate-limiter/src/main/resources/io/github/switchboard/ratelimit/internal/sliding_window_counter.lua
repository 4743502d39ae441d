-- Switchboard rate limiter: SLIDING_WINDOW_COUNTER (two fixed buckets, the previous one weighted).
--
-- KEYS[1]  the client's state: a hash  prefix .. '{' .. base64url(key) .. '}:swc'
--          fields 's:<window>' (start of the current bucket, µs), 'c:<window>' (its count),
--          'p:<window>' (the count of the bucket before it)
-- ARGV[1]  now in microseconds since the epoch, or '' to read Redis's TIME
-- ARGV[2]  permits requested; 0 = statistics only (nothing is written)
-- ARGV[3], ARGV[4], ...  one pair per limit: count, window in microseconds (count * window <= 2^52)
--
-- Reply: {allowed (1|0), now, then per limit in ARGV order: used, remaining, resetAfter µs, retryAfter µs}
--
-- Per limit (C count, W window): ws = now - now mod W, r = W - (now - ws) in 1..W, cur/prev the counts of
-- the buckets starting at ws and ws - W. used = cur + ceil(prev * r / W). A request of n is allowed iff
-- cur + n <= C and prev * r <= (C - cur - n) * W (exactly: the weighted estimate plus n is at most C).
-- Retry: if cur + n > C, after the rollover: ws + W + (W - floor((C - n) * W / cur)); otherwise when
-- r <= floor((C - cur - n) * W / prev): ws + W - floor(...). resetAfter: ws + 2W - now if cur > 0, else
-- ws + W - now if prev > 0, else 0. A write sets PEXPIRE to the longest 2W (rounded up to the millisecond):
-- the most a bucket can be needed (as current, then as previous).
--
-- Layout (so that the batched script runs the very code of the single one): this file runs once per call
-- (the limits of ARGV, read once: scalars for one limit, tables for several), then defines
-- decide(key, now, n, out), which decides one request and appends its reply to out. idiv, fmt and the
-- reply and write helpers come from helpers.lua; L from prelude.lua (single), batch_head.lua (batched) or
-- mixed_head.lua (mixed: L = 0, and use(at) gives the one-limit decide a policy's limit, its planSize
-- values from ARGV[at], derived by RedisRateLimiter.planArgs); single_tail.lua, batch_tail.lua or
-- mixed_tail.lua call decide.

local decide, planSize, use
if L <= 1 then
  -- one limit (the usual policy): the same rule with scalars, no table but the reply (Lua work and garbage
  -- are a good part of a call's time in Redis)
  local C1, W1, fs1, fc1, fp1, ttl1
  if L == 1 then
    C1 = tonumber(ARGV[3])
    W1 = tonumber(ARGV[4])
    fs1 = 's:' .. ARGV[4]
    fc1 = 'c:' .. ARGV[4]
    fp1 = 'p:' .. ARGV[4]
    ttl1 = fmt(idiv(2 * W1 + 999, 1000))
  else
    -- a mixed call: count, window, the three fields, expiry in ms, as above, at ARGV[at..]
    planSize = 6
    use = function(at)
      C1, W1, fs1, fc1, fp1 = tonumber(ARGV[at]), tonumber(ARGV[at + 1]), ARGV[at + 2], ARGV[at + 3], ARGV[at + 4]
      ttl1 = ARGV[at + 5]
    end
  end
  decide = function(key, now, n, out)
    local vals = redis.call('HMGET', key, fs1, fc1, fp1)
    local ws = idiv(now, W1) * W1
    local s = tonumber(vals[1])
    local c = tonumber(vals[2]) or 0
    local p = tonumber(vals[3]) or 0
    local cur, prev = 0, 0
    if s == ws then
      cur = c
      prev = p
    elseif s == ws - W1 then
      prev = c
    end
    local r = W1 - (now - ws)
    local m = C1 - cur - n
    local ok = true
    local retry = 0
    if m < 0 then
      ok = false
      local extra = W1 - idiv((C1 - n) * W1, cur)
      if extra < 0 then extra = 0 end
      retry = ws + W1 + extra - now
    elseif prev * r > m * W1 then
      ok = false
      retry = ws + W1 - idiv(m * W1, prev) - now
    end
    if ok and n > 0 then
      cur = cur + n
      redis.call('HSET', key, fs1, fmt(ws), fc1, fmt(cur), fp1, fmt(prev))
      redis.call('PEXPIRE', key, ttl1)
    end
    local used = cur + idiv(prev * r + W1 - 1, W1)
    local rem = C1 - used
    if rem < 0 then rem = 0 end
    local reset = 0
    if cur > 0 then
      reset = ws + 2 * W1 - now
    elseif prev > 0 then
      reset = ws + W1 - now
    end
    reply1(out, ok, now, used, rem, reset, retry)
  end
else
  -- several limits (L >= 2)
  local C, W, fields = {}, {}, {}
  local ttl = 0
  for i = 1, L do
    C[i] = tonumber(ARGV[1 + 2 * i])
    W[i] = tonumber(ARGV[2 + 2 * i])
    fields[3 * i - 2] = 's:' .. ARGV[2 + 2 * i]
    fields[3 * i - 1] = 'c:' .. ARGV[2 + 2 * i]
    fields[3 * i] = 'p:' .. ARGV[2 + 2 * i]
    if 2 * W[i] > ttl then ttl = 2 * W[i] end
  end
  local ttlMillis = fmt(idiv(ttl + 999, 1000))
  local WS, cur, prev, retry, hset = {}, {}, {}, {}, {}

  decide = several(L,
    function(key) return redis.call('HMGET', key, unpack(fields)) end,
    function(i, key, vals, now, n)
      WS[i] = idiv(now, W[i]) * W[i]
      local s = tonumber(vals[3 * i - 2])
      local c = tonumber(vals[3 * i - 1]) or 0
      local p = tonumber(vals[3 * i]) or 0
      if s == WS[i] then
        cur[i], prev[i] = c, p
      elseif s == WS[i] - W[i] then
        cur[i], prev[i] = 0, c
      else
        cur[i], prev[i] = 0, 0
      end
      local r = W[i] - (now - WS[i])
      local m = C[i] - cur[i] - n
      retry[i] = 0
      if m < 0 then
        local extra = W[i] - idiv((C[i] - n) * W[i], cur[i])
        if extra < 0 then extra = 0 end
        retry[i] = WS[i] + W[i] + extra - now
      elseif prev[i] * r > m * W[i] then
        retry[i] = WS[i] + W[i] - idiv(m * W[i], prev[i]) - now
      end
      return retry[i] == 0
    end,
    function(key, now, n)
      for i = 1, L do
        cur[i] = cur[i] + n
        hset[6 * i - 5] = fields[3 * i - 2]
        hset[6 * i - 4] = fmt(WS[i])
        hset[6 * i - 3] = fields[3 * i - 1]
        hset[6 * i - 2] = fmt(cur[i])
        hset[6 * i - 1] = fields[3 * i]
        hset[6 * i] = fmt(prev[i])
      end
      hwrite(key, hset, 6 * L, ttlMillis)
    end,
    function(out, at, i, now, ok)
      local r = W[i] - (now - WS[i])
      local used = cur[i] + idiv(prev[i] * r + W[i] - 1, W[i])
      local rem = C[i] - used
      if rem < 0 then rem = 0 end
      local reset = 0
      if cur[i] > 0 then
        reset = WS[i] + 2 * W[i] - now
      elseif prev[i] > 0 then
        reset = WS[i] + W[i] - now
      end
      put4(out, at, used, rem, reset, ok and 0 or retry[i])
    end)
end
