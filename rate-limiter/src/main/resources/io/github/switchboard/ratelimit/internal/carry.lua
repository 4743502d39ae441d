-- Switchboard rate limiter: carries what a LOCAL fallback granted back to Redis when it answers again
-- (after helpers.lua). One call per batch of clients (one per call on a Cluster and for a log).
--
-- KEYS        per client two keys (one slot): its state key, as the decision scripts name it, then its
--             carry marker (the state key .. ':carried', a hash: 'at' = when a carry made the state
--             again, and one field per carry applied)
-- ARGV[1]     the algorithm: 'fw', 'swc', 'swl' or 'tb' (the state key's suffix without the colon)
-- ARGV[2]     now in microseconds, or '' to read Redis's TIME
-- ARGV[3]     L, the number of limits
-- ARGV[4], ARGV[5], ...  one pair per limit: count, window in microseconds (as in the decision scripts)
-- then per client j: token_j (names this carry: a carry sent again after a lost reply is not applied
--             twice), sinceAge_j (µs before now: when this instance's fallback started on the client),
--             then per limit i: lost_ij, kept_ij (permits)
--
-- Per client: Redis lost its state if the state key is absent (an empty restart, or it expired), or if the
-- marker says that a carry made it again at or after sinceAge (another instance carried first, into an
-- empty Redis). Then lost_i permits are added to limit i (what this instance's fallback granted plus the
-- share of Redis's last known usage it was seeded with), and a carry that finds the key absent sets the
-- marker's 'at' to now. If Redis kept the state (a pause, a partition), only kept_i (the fallback's own
-- grants) are added: Redis already holds what it knew. A carry whose token the marker holds already adds
-- nothing. The marker lives as long as the state can.
--
-- The permits are added as if granted now (FIXED_WINDOW: the current window; SLIDING_WINDOW_COUNTER: the
-- current bucket; TOKEN_BUCKET: the TAT moves by n emission intervals); SLIDING_WINDOW_LOG places, window
-- by window from the shortest, the permits a shorter window does not count at the oldest time that window
-- does not reach (now - that window), the others at now. Placing them no earlier than they were granted
-- can only deny sooner, never allow more. Each write sets the expiry a decision sets.
--
-- Reply: per client, {lost (1|0), then per limit the permits used after the carry}.

local alg = ARGV[1]
local now = clock(ARGV[2])
local L = tonumber(ARGV[3])
local C, W = {}, {}
local wmax, bmax = 0, 0
for i = 1, L do
  C[i] = tonumber(ARGV[2 + 2 * i])
  W[i] = tonumber(ARGV[3 + 2 * i])
  if W[i] > wmax then wmax = W[i] end
  local b = C[i] * idiv(W[i] + C[i] - 1, C[i])
  if b > bmax then bmax = b end
end
local ttl
if alg == 'swc' then ttl = 2 * wmax elseif alg == 'tb' then ttl = bmax else ttl = wmax end
local ttlMillis = fmt(idiv(ttl + 999, 1000))

-- FIXED_WINDOW and SLIDING_WINDOW_COUNTER: n permits into the current window (bucket) of limit i.
local function fixedOrCounter(key, i, n, counter)
  local w = W[i]
  local fs, fc, fp = 's:' .. fmt(w), 'c:' .. fmt(w), 'p:' .. fmt(w)
  local vals = redis.call('HMGET', key, fs, fc, fp)
  local ws = idiv(now, w) * w
  local s = tonumber(vals[1])
  local c = tonumber(vals[2]) or 0
  local cur, prev = 0, 0
  if s == ws then
    cur = c
    prev = tonumber(vals[3]) or 0
  elseif counter and s == ws - w then
    prev = c
  end
  if n > 0 then
    cur = cur + n
    if counter then
      redis.call('HSET', key, fs, fmt(ws), fc, fmt(cur), fp, fmt(prev))
    else
      redis.call('HSET', key, fs, fmt(ws), fc, fmt(cur))
    end
    redis.call('PEXPIRE', key, ttlMillis)
  end
  if not counter then return cur end
  local r = w - (now - ws)
  return cur + idiv(prev * r + w - 1, w)
end

-- TOKEN_BUCKET: the TAT of limit i moves by n emission intervals.
local function bucket(key, i, n)
  local T = idiv(W[i] + C[i] - 1, C[i])
  local B = C[i] * T
  local f = 't:' .. fmt(W[i]) .. ':' .. fmt(C[i])
  local tat = tonumber(redis.call('HGET', key, f)) or now
  if tat < now then tat = now end
  if n > 0 then
    tat = tat + n * T
    redis.call('HSET', key, f, fmt(tat))
    redis.call('PEXPIRE', key, ttlMillis)
  end
  local diff = tat - now
  local rem = 0
  if B - diff >= 0 then rem = idiv(B - diff, T) end
  if rem > C[i] then rem = C[i] end
  return C[i] - rem
end

-- SLIDING_WINDOW_LOG: n grants at time at, numbered after the members already at that microsecond.
local function logAt(key, at, n)
  local stamp = fmt(at)
  zaddRun(key, stamp, redis.call('ZCOUNT', key, stamp, stamp) + 1, n)
end

-- the limits by increasing window, for the log
local order = {}
for i = 1, L do order[i] = i end
table.sort(order, function(a, b) return W[a] < W[b] end)

local out = {}
local base = 3 + 2 * L
for j = 1, #KEYS / 2 do
  local key = KEYS[2 * j - 1]
  local marker = KEYS[2 * j]
  local at = base + (j - 1) * (2 + 2 * L) + 2
  local token = ARGV[at - 1]
  local since = now - tonumber(ARGV[at])
  local m = redis.call('HMGET', marker, 'at', token)
  local applied = m[2] ~= false
  local lost = redis.call('EXISTS', key) == 0
  if lost then
    redis.call('HSET', marker, 'at', fmt(now))
  else
    local made = tonumber(m[1])
    if made and made >= since then lost = true end
  end
  if not applied then
    redis.call('HSET', marker, token, '1')
    redis.call('PEXPIRE', marker, ttlMillis)
  end
  local function permits(i)
    if applied then return 0 end
    local p = tonumber(ARGV[at + 2 * i - 1])
    if not lost then p = tonumber(ARGV[at + 2 * i]) end
    if p > C[i] then p = C[i] end
    return p
  end
  out[#out + 1] = (lost and not applied) and 1 or 0
  if alg == 'swl' then
    redis.call('ZREMRANGEBYSCORE', key, '-inf', fmt(now - wmax))
    local placed, wrote, prevW = 0, false, nil
    for _, i in ipairs(order) do
      local extra = permits(i) - placed
      if extra > 0 then
        local t = now
        if prevW then t = now - prevW end
        logAt(key, t, extra)
        placed = placed + extra
        wrote = true
      end
      prevW = W[i]
    end
    if wrote then redis.call('PEXPIRE', key, ttlMillis) end
    for i = 1, L do
      out[#out + 1] = redis.call('ZCOUNT', key, '(' .. fmt(now - W[i]), '+inf')
    end
  else
    for i = 1, L do
      local n = permits(i)
      if alg == 'tb' then
        out[#out + 1] = bucket(key, i, n)
      else
        out[#out + 1] = fixedOrCounter(key, i, n, alg == 'swc')
      end
    end
  end
end
return out
