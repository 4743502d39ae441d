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
-- (the limits of ARGV, read once, and scratch tables), then defines decide(key, now, n, out), which decides
-- one request and appends its reply to out. idiv and fmt come from helpers.lua; L from prelude.lua (single)
-- or batch_head.lua (batched); single_tail.lua or batch_tail.lua call decide.
--
-- Calls per decision: after the trim, a limit whose window is the longest counts the whole log (ZCARD), so
-- it needs no ZCOUNT; the newest grant is read before the write, and the members of the current
-- microsecond are counted (for their sequence numbers) only when the newest grant is not older than now.

local C, W = {}, {}
local wmax = 0
for i = 1, L do
  C[i] = tonumber(ARGV[1 + 2 * i])
  W[i] = tonumber(ARGV[2 + 2 * i])
  if W[i] > wmax then wmax = W[i] end
end
local ttlMillis = fmt(idiv(wmax + 999, 1000))
local used, retry = {}, {}

local function decide(key, now, n, out)
  if n > 0 then
    redis.call('ZREMRANGEBYSCORE', key, '-inf', fmt(now - wmax))
  end
  local total = redis.call('ZCARD', key)

  local ok = true
  for i = 1, L do
    if total == 0 then
      used[i] = 0
    elseif n > 0 and W[i] == wmax then
      used[i] = total -- the trim left exactly the grants of the longest window
    else
      used[i] = redis.call('ZCOUNT', key, '(' .. fmt(now - W[i]), '+inf')
    end
    if used[i] + n > C[i] then
      ok = false
      local k = used[i] + n - C[i]
      local rank = total - used[i] + k - 1
      local e = redis.call('ZRANGE', key, rank, rank, 'WITHSCORES')
      retry[i] = tonumber(e[2]) + W[i] - now
    else
      retry[i] = 0
    end
  end

  local newest = 0
  if total > 0 then
    local last = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
    newest = tonumber(last[2])
  end

  if ok and n > 0 then
    local stamp = fmt(now)
    local seq = 0
    if newest >= now then
      seq = redis.call('ZCOUNT', key, stamp, stamp)
    end
    local batch = {}
    for j = 1, n do
      batch[#batch + 1] = stamp
      batch[#batch + 1] = stamp .. ':' .. fmt(seq + j)
      if #batch >= 256 then
        redis.call('ZADD', key, unpack(batch))
        batch = {}
      end
    end
    if #batch > 0 then
      redis.call('ZADD', key, unpack(batch))
    end
    for i = 1, L do
      used[i] = used[i] + n
    end
    if now > newest then newest = now end
    redis.call('PEXPIRE', key, ttlMillis)
  end

  local o = #out
  out[o + 1] = ok and 1 or 0
  out[o + 2] = now
  for i = 1, L do
    local rem = C[i] - used[i]
    if rem < 0 then rem = 0 end
    local reset = 0
    if used[i] > 0 then reset = newest + W[i] - now end
    local at = o + 4 * i - 1
    out[at] = used[i]
    out[at + 1] = rem
    out[at + 2] = reset
    if ok then out[at + 3] = 0 else out[at + 3] = retry[i] end
  end
end
