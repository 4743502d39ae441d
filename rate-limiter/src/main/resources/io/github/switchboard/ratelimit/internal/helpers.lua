-- Switchboard rate limiter: integer helpers shared by every script (single and batched).
-- idiv: floor division exact for integers below 2^53; fmt: an integer as a decimal string, no exponent;
-- head: appends a reply's allowed and now to out, and returns where they start (o: out[o + 1]);
-- put4: writes one limit's four reply values at out[at..at+3]; reply1: appends the reply of a one-limit
-- decision to out; hwrite: writes a hash's fields (the first k values of kv) and sets its expiry;
-- zaddRun: adds n members of a log at one stamp, named stamp:first .. stamp:(first + n - 1), 128 a ZADD;
-- putUsed: writes a counted limit's four values at out[at..at+3] (remaining c - used, at least 0; reset
-- when its last counted grant leaves, endAt, if any is counted); several: the decide of a policy of
-- several limits, the one rule of every algorithm (see its comment).

local function idiv(a, b)
  local q = math.floor(a / b)
  local r = a - q * b
  if r < 0 then q = q - 1 elseif r >= b then q = q + 1 end
  return q
end
local function fmt(x) return string.format('%.0f', x) end
local function head(out, ok, now)
  local o = #out
  out[o + 1] = ok and 1 or 0
  out[o + 2] = now
  return o
end
local function reply1(out, ok, now, used, remaining, resetAfter, retryAfter)
  local o = head(out, ok, now)
  out[o + 3] = used
  out[o + 4] = remaining
  out[o + 5] = resetAfter
  out[o + 6] = retryAfter
end
local function put4(out, at, used, remaining, resetAfter, retryAfter)
  out[at] = used
  out[at + 1] = remaining
  out[at + 2] = resetAfter
  out[at + 3] = retryAfter
end
local function hwrite(key, kv, k, ttlMillis)
  redis.call('HSET', key, unpack(kv, 1, k))
  redis.call('PEXPIRE', key, ttlMillis)
end
local function zaddRun(key, stamp, first, n)
  local batch = {}
  for j = 0, n - 1 do
    batch[#batch + 1] = stamp
    batch[#batch + 1] = stamp .. ':' .. fmt(first + j)
    if #batch >= 256 then
      redis.call('ZADD', key, unpack(batch))
      batch = {}
    end
  end
  if #batch > 0 then
    redis.call('ZADD', key, unpack(batch))
  end
end
local function putUsed(out, at, c, used, endAt, now, retry)
  local rem = c - used
  if rem < 0 then rem = 0 end
  out[at] = used
  out[at + 1] = rem
  out[at + 2] = used > 0 and endAt - now or 0
  out[at + 3] = retry
end
-- The decide of L limits: vals = read(key, now, n) reads the state (one call); check(i, key, vals, now, n)
-- tells whether limit i allows n (keeping what write and report need); when all allow and n > 0,
-- write(key, now, n) records the grant in every limit; then report(out, at, i, now, ok) writes limit i's
-- four reply values at out[at..at+3].
local function several(L, read, check, write, report)
  return function(key, now, n, out)
    local vals = read(key, now, n)
    local ok = true
    for i = 1, L do
      if not check(i, key, vals, now, n) then ok = false end
    end
    if ok and n > 0 then write(key, now, n) end
    local o = head(out, ok, now)
    for i = 1, L do
      report(out, o + 4 * i - 1, i, now, ok)
    end
  end
end
