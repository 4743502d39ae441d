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

-- (idiv and fmt come from helpers.lua; key, now, n and L from prelude.lua, or when batched from
-- decide(key, now, n) and batch_head.lua)

local C, W = {}, {}
local wmax = 0
for i = 1, L do
  C[i] = tonumber(ARGV[1 + 2 * i])
  W[i] = tonumber(ARGV[2 + 2 * i])
  if W[i] > wmax then wmax = W[i] end
end

if n > 0 then
  redis.call('ZREMRANGEBYSCORE', key, '-inf', fmt(now - wmax))
end
local total = redis.call('ZCARD', key)

local ok = true
local used, retry = {}, {}
for i = 1, L do
  if total == 0 then
    used[i] = 0
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

if ok and n > 0 then
  local stamp = fmt(now)
  local seq = redis.call('ZCOUNT', key, stamp, stamp)
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
  total = total + n
end

local newest = 0
if total > 0 then
  local last = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
  newest = tonumber(last[2])
end
if ok and n > 0 then
  redis.call('PEXPIRE', key, fmt(idiv(wmax + 999, 1000)))
end

local out = {ok and 1 or 0, now}
for i = 1, L do
  local rem = C[i] - used[i]
  if rem < 0 then rem = 0 end
  local reset = 0
  if used[i] > 0 then reset = newest + W[i] - now end
  out[#out + 1] = used[i]
  out[#out + 1] = rem
  out[#out + 1] = reset
  if ok then out[#out + 1] = 0 else out[#out + 1] = retry[i] end
end
return out
