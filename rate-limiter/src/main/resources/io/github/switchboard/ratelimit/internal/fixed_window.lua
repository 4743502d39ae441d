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
  local C1, W1, fs1, fc1, ttl1
  if L == 1 then
    C1 = tonumber(ARGV[3])
    W1 = tonumber(ARGV[4])
    fs1 = 's:' .. ARGV[4]
    fc1 = 'c:' .. ARGV[4]
    ttl1 = fmt(idiv(W1 + 999, 1000))
  else
    -- a mixed call: count, window, the two fields, expiry in ms, as above, at ARGV[at..]
    planSize = 5
    use = function(at)
      C1, W1, fs1, fc1, ttl1 = tonumber(ARGV[at]), tonumber(ARGV[at + 1]), ARGV[at + 2], ARGV[at + 3], ARGV[at + 4]
    end
  end
  decide = function(key, now, n, out)
    local vals = redis.call('HMGET', key, fs1, fc1)
    local ws = idiv(now, W1) * W1
    local used = 0
    local c = tonumber(vals[2])
    if tonumber(vals[1]) == ws and c then used = c end
    local ok = used + n <= C1
    local retry = 0
    if not ok then
      retry = ws + W1 - now
    elseif n > 0 then
      used = used + n
      redis.call('HSET', key, fs1, fmt(ws), fc1, fmt(used))
      redis.call('PEXPIRE', key, ttl1)
    end
    putUsed(out, head(out, ok, now) + 3, C1, used, ws + W1, now, retry)
  end
else
  -- several limits (L >= 2)
  local C, W, fs, fc, fields = {}, {}, {}, {}, {}
  local ttl = 0
  for i = 1, L do
    C[i] = tonumber(ARGV[1 + 2 * i])
    W[i] = tonumber(ARGV[2 + 2 * i])
    fs[i] = 's:' .. ARGV[2 + 2 * i]
    fc[i] = 'c:' .. ARGV[2 + 2 * i]
    fields[2 * i - 1] = fs[i]
    fields[2 * i] = fc[i]
    if W[i] > ttl then ttl = W[i] end
  end
  local ttlMillis = fmt(idiv(ttl + 999, 1000))
  local WS, used, retry, hset = {}, {}, {}, {}

  decide = several(L,
    function(key) return redis.call('HMGET', key, unpack(fields)) end,
    function(i, key, vals, now, n)
      WS[i] = idiv(now, W[i]) * W[i]
      local s = tonumber(vals[2 * i - 1])
      local c = tonumber(vals[2 * i])
      if s == WS[i] and c then used[i] = c else used[i] = 0 end
      retry[i] = used[i] + n > C[i] and WS[i] + W[i] - now or 0
      return used[i] + n <= C[i]
    end,
    function(key, now, n)
      for i = 1, L do
        used[i] = used[i] + n
        hset[4 * i - 3] = fs[i]
        hset[4 * i - 2] = fmt(WS[i])
        hset[4 * i - 1] = fc[i]
        hset[4 * i] = fmt(used[i])
      end
      hwrite(key, hset, 4 * L, ttlMillis)
    end,
    function(out, at, i, now, ok)
      putUsed(out, at, C[i], used[i], WS[i] + W[i], now, ok and 0 or retry[i])
    end)
end
