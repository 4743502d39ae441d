-- Switchboard rate limiter: SLIDING_WINDOW_LOG (an exact log of grants).
--
-- KEYS[1]  the client's log: a sorted set  prefix .. '{' .. base64url(key) .. '}:swl'
--          one member per granted permit, score = grant time in µs, member = '<time>:<seq>' where seq
--          numbers the members of the same microsecond 1, 2, ... (so every permit is its own member)
-- ARGV[1]  now in microseconds since the epoch, or '' to read Redis's TIME
-- ARGV[2]  permits requested; 0 = statistics only (nothing is written, nothing trimmed)
-- ARGV[3], ARGV[4], ...  one pair per limit: count, window in microseconds
--
-- Reply: {allowed (1|0), now, then per limit in ARGV order: used, remaining, resetAfter µs, retryAfter µs}
--
-- One log serves every limit. A grant at time s counts in a limit of window W at time now iff
-- s > now - W. A request of n is allowed iff used + n <= C for every limit; then n members are added.
-- A denied request is not recorded. retryAfter = the time when the k-th oldest counted grant leaves the
-- window, k = used + n - C. resetAfter = newest grant + W - now (0 if none counted). On a request, grants
-- older than the longest window are removed first, and a write sets PEXPIRE to the longest window,
-- rounded up to the millisecond (the newest grant is needed that long).
--
-- Layout (so that the batched script runs the very code of the single one): this file runs once per call
-- (the limits of ARGV, read once: scalars for one limit, tables for several), then defines
-- decide(key, now, n, out), which decides one request and appends its reply to out. idiv, fmt and the
-- reply and write helpers come from helpers.lua; L from prelude.lua (single), batch_head.lua (batched) or
-- mixed_head.lua (mixed: L = 0, and use(at) gives the one-limit decide a policy's limit, its planSize
-- values from ARGV[at], derived by RedisRateLimiter.planArgs); single_tail.lua, batch_tail.lua or
-- mixed_tail.lua call decide.
--
-- Calls per decision: after the trim, a limit whose window is the longest counts the whole log (ZCARD), so
-- it needs no ZCOUNT; the newest grant is read before the write, and the members of the current
-- microsecond are counted (for their sequence numbers) only when the newest grant is not older than now.

-- Records a grant of n permits at now: n members, numbered after those of the same microsecond (counted
-- only when the newest grant is not older than now), then the expiry.
local function record(key, now, n, newest, ttlMillis)
  local stamp = fmt(now)
  local seq = 0
  if newest >= now then
    seq = redis.call('ZCOUNT', key, stamp, stamp)
  end
  if n == 1 then
    redis.call('ZADD', key, stamp, stamp .. ':' .. fmt(seq + 1))
  else
    zaddRun(key, stamp, seq + 1, n)
  end
  redis.call('PEXPIRE', key, ttlMillis)
end

local decide, planSize, use
if L <= 1 then
  -- one limit (the usual policy): the same rule with scalars, no table but the reply (Lua work and garbage
  -- are a good part of a call's time in Redis)
  local C1, W1, ttl1
  if L == 1 then
    C1 = tonumber(ARGV[3])
    W1 = tonumber(ARGV[4])
    ttl1 = fmt(idiv(W1 + 999, 1000))
  else
    -- a mixed call: count, window, expiry in ms, as above, at ARGV[at..]
    planSize = 3
    use = function(at)
      C1, W1, ttl1 = tonumber(ARGV[at]), tonumber(ARGV[at + 1]), ARGV[at + 2]
    end
  end
  decide = function(key, now, n, out)
    if n > 0 then
      redis.call('ZREMRANGEBYSCORE', key, '-inf', fmt(now - W1))
    end
    local total = redis.call('ZCARD', key)
    local used = total -- after the trim the log holds exactly the grants of the window
    if total > 0 and n == 0 then
      used = redis.call('ZCOUNT', key, '(' .. fmt(now - W1), '+inf')
    end
    local ok = used + n <= C1
    local retry = 0
    if not ok then
      local rank = total - used + (used + n - C1) - 1
      local e = redis.call('ZRANGE', key, rank, rank, 'WITHSCORES')
      retry = tonumber(e[2]) + W1 - now
    end
    local newest = 0
    if total > 0 then
      newest = tonumber(redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')[2])
    end
    if ok and n > 0 then
      record(key, now, n, newest, ttl1)
      used = used + n
      if now > newest then newest = now end
    end
    putUsed(out, head(out, ok, now) + 3, C1, used, newest + W1, now, retry)
  end
else
  -- several limits (L >= 2)
  local C, W = {}, {}
  local wmax = 0
  for i = 1, L do
    C[i] = tonumber(ARGV[1 + 2 * i])
    W[i] = tonumber(ARGV[2 + 2 * i])
    if W[i] > wmax then wmax = W[i] end
  end
  local ttlMillis = fmt(idiv(wmax + 999, 1000))
  local used, retry = {}, {}
  local newest

  decide = several(L,
    function(key, now, n) -- the log's size after the trim, and its newest grant
      if n > 0 then
        redis.call('ZREMRANGEBYSCORE', key, '-inf', fmt(now - wmax))
      end
      local total = redis.call('ZCARD', key)
      newest = 0
      if total > 0 then
        newest = tonumber(redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')[2])
      end
      return total
    end,
    function(i, key, total, now, n)
      if total == 0 then
        used[i] = 0
      elseif n > 0 and W[i] == wmax then
        used[i] = total -- the trim left exactly the grants of the longest window
      else
        used[i] = redis.call('ZCOUNT', key, '(' .. fmt(now - W[i]), '+inf')
      end
      retry[i] = 0
      if used[i] + n <= C[i] then return true end
      local rank = total - used[i] + (used[i] + n - C[i]) - 1
      retry[i] = tonumber(redis.call('ZRANGE', key, rank, rank, 'WITHSCORES')[2]) + W[i] - now
      return false
    end,
    function(key, now, n)
      record(key, now, n, newest, ttlMillis)
      for i = 1, L do
        used[i] = used[i] + n
      end
      if now > newest then newest = now end
    end,
    function(out, at, i, now, ok)
      putUsed(out, at, C[i], used[i], newest + W[i], now, ok and 0 or retry[i])
    end)
end
