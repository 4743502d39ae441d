-- Applies one or more changes to a decoder pool, atomically; used live (one change per call) and to
-- replay a journal (many changes, each applied only if Redis holds nothing newer).
--
-- KEYS[1] nodes       hash  node_id -> node JSON ("dynamic": true when not configured)
-- KEYS[2] state       hash  node_id -> runtime JSON
-- KEYS[3] abtests     hash  name -> A/B test JSON
-- KEYS[4] rev         string, the revision; missing = the pool is not in Redis (new, or the data was lost)
-- KEYS[5] updated     hash  "n:<node_id>" / "a:<name>" -> microseconds of the last change (kept after a
--                     removal, as a tombstone, so that an older journal entry cannot bring the item back)
-- KEYS[6] heartbeats  sorted set node_id -> last heartbeat, microseconds of Redis TIME
-- KEYS[7] settings    hash, optional: "stale_after" -> microseconds, the shortest stale threshold of the
--                     pool's coordinators (pool_settings.lua; see "hb" below; default 30 s)
-- ARGV[1] the events channel
-- ARGV[2] "live" (always apply), "replay" (apply only what is newer than what Redis holds), or "merge"
--         (as replay, and add a node or A/B test only if Redis has no such item at all: used to put back
--         what an instance knew after another one re-created a lost pool)
-- ARGV[3..] groups of 5: op, id, a, b, ts
--   up     node upsert     a = node JSON, configured form (no "dynamic"); b = "1" to mark it configured, "0" to keep its mark
--   del    node removal
--   ev     eviction        a = heartbeat threshold: only a dynamic node whose last heartbeat is older goes
--   hb     heartbeat       a = runtime JSON; b = the stale threshold in microseconds, or "" (then the
--                          settings key's "stale_after", else 30 s). Live: the heartbeat's time is Redis
--                          TIME (its last_heartbeat in a is replaced); replay: ts, already on Redis's clock.
--                          Quiet unless coordinators must learn it promptly: it PUBLISHes only when the
--                          node had no heartbeat yet or its last one is at least the threshold old (back
--                          from stale); otherwise it only refreshes state and heartbeats (coordinators
--                          pull those, pool_pull.lua) and returns "~" .. runtime JSON (not published,
--                          no revision bump) so the caller can apply its own heartbeat.
--   st     status change   a = the status, lower case
--   ab     A/B test put    a = A/B test JSON
--   abdel  A/B test removal
--   ts = microseconds of the change on Redis's clock: live, the caller's ts is ignored and the change is
--        stamped with Redis TIME (read once per call); on replay/merge, the caller's estimate of Redis's
--        clock when the change was made (its clock plus the last measured offset), which the journal kept
--
-- Returns {"LOST"} when the revision key is missing (nothing is changed: the caller seeds the pool and
-- retries), else {rev, code1, msg1, code2, msg2, ...}: rev the revision after the call; code 1 = created /
-- known / removed, 0 = not (or skipped on replay), 2 = skipped on replay because Redis holds newer data;
-- msg = the event published for that change, or "" when nothing changed (a quiet heartbeat: "~" .. runtime).
-- Each change that changes something bumps the revision once and publishes one event:
--   {"rev":N,"op":"up","id":"...","new":true,"data":"<JSON as a string>","t":<Redis TIME, microseconds>}
-- ("t" lets a subscriber measure how long the change took to reach it: PoolEvent.propagationDelay)

local nodes, state, abtests, revkey, updated, beats = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local settings = KEYS[7]
local channel, replay, merge = ARGV[1], ARGV[2] ~= 'live', ARGV[2] == 'merge'

if redis.call('EXISTS', revkey) == 0 then
  return {'LOST'}
end

local function newer_in_redis(field, ts)
  local s = redis.call('HGET', updated, field)
  return s and tonumber(s) and tonumber(s) >= tonumber(ts)
end

local function stamp(field, ts)
  local s = redis.call('HGET', updated, field)
  if not (s and tonumber(s) and tonumber(s) >= tonumber(ts)) then
    redis.call('HSET', updated, field, ts)
  end
end

local function micros(t)
  return string.format('%d', t)
end

local function redis_now()
  local now = redis.call('TIME')
  return tonumber(now[1]) * 1000000 + tonumber(now[2])
end

-- at: the change's Redis time (a heartbeat's own), or nil to read TIME
local function publish(op, id, data, created, at)
  local rev = redis.call('INCR', revkey)
  local msg = '{"rev":' .. string.format('%d', rev) .. ',"op":"' .. op .. '","id":' .. cjson.encode(id)
  if created ~= nil then
    msg = msg .. ',"new":' .. (created and 'true' or 'false')
  end
  if data then
    msg = msg .. ',"data":' .. cjson.encode(data)
  end
  msg = msg .. ',"t":' .. micros(at or redis_now()) .. '}'
  redis.call('PUBLISH', channel, msg)
  return msg
end

local function is_configured(json)
  local ok, decoded = pcall(cjson.decode, json)
  if ok and type(decoded) == 'table' then
    return decoded['dynamic'] ~= true
  end
  return false
end

local function remove_node(op, id, ts)
  redis.call('HDEL', nodes, id)
  redis.call('HDEL', state, id)
  redis.call('ZREM', beats, id)
  stamp('n:' .. id, ts)
  return publish(op, id, nil, nil)
end

-- Puts a node or an A/B test (its whole value): skipped on replay if Redis holds something newer for the
-- item (or, on merge, anything at all); publishes only if the value changed. Returns code, message.
local function put(hash, kind, op, id, value, ts)
  if replay and (newer_in_redis(kind .. id, ts) or (merge and redis.call('HEXISTS', hash, id) == 1)) then
    return 2, ''
  end
  local old = redis.call('HGET', hash, id)
  local msg = ''
  if old ~= value then
    redis.call('HSET', hash, id, value)
    msg = publish(op, id, value, not old)
  end
  stamp(kind .. id, ts)
  return old and 0 or 1, msg
end

local out = {0}
local liveNow
for i = 3, #ARGV, 5 do
  local op, id, a, b, ts = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4]
  if not replay then
    -- one clock for change times: Redis's, whatever the caller's clock says
    liveNow = liveNow or micros(redis_now())
    ts = liveNow
  end
  local code, msg = 0, ''
  if op == 'up' then
    local old = redis.call('HGET', nodes, id)
    local json = a
    if old then
      -- a registration with the default status keeps the status an operator set (PoolChange.Upsert)
      local kept = string.match(old, '"status"%s*:%s*"([^"]*)"')
      local asked = string.match(a, '"status"%s*:%s*"([^"]*)"')
      if kept and string.lower(kept) ~= 'active' and (asked == nil or string.lower(asked) == 'active') then
        json = string.gsub(a, '"status"%s*:%s*"[^"]*"', '"status":"' .. string.lower(kept) .. '"', 1)
        if asked == nil then
          json = '{"status":"' .. string.lower(kept) .. '",' .. string.sub(a, 2)
        end
      end
    end
    if b ~= '1' and not (old and is_configured(old)) then
      json = string.sub(json, 1, -2) .. ',"dynamic":true}'
    end
    code, msg = put(nodes, 'n:', op, id, json, ts)
  elseif op == 'del' then
    if replay and newer_in_redis('n:' .. id, ts) then
      code = 2
    elseif redis.call('HEXISTS', nodes, id) == 1 then
      msg = remove_node('del', id, ts)
      code = 1
    else
      stamp('n:' .. id, ts)
    end
  elseif op == 'ev' then
    if replay and newer_in_redis('n:' .. id, ts) then
      code = 2
    else
      local old = redis.call('HGET', nodes, id)
      local beat = redis.call('ZSCORE', beats, id)
      if old and not is_configured(old) and beat and tonumber(beat) > 0 and tonumber(beat) < tonumber(a) then
        msg = remove_node('ev', id, ts)
        code = 1
      end
    end
  elseif op == 'hb' then
    if redis.call('HEXISTS', nodes, id) == 1 then
      local beat = redis.call('ZSCORE', beats, id)
      if replay and beat and tonumber(beat) >= tonumber(ts) then
        code = 2
      else
        local at = tonumber(ts) -- replay: the heartbeat's own Redis time; live: this call's Redis TIME
        local runtime = string.gsub(a, '"last_heartbeat"%s*:%s*%d+', '"last_heartbeat":' .. micros(at), 1)
        redis.call('HSET', state, id, runtime)
        redis.call('ZADD', beats, micros(at), id)
        local stale = tonumber(b)
        if not stale and settings then
          stale = tonumber(redis.call('HGET', settings, 'stale_after'))
        end
        stale = stale or 30000000
        if replay or not beat or tonumber(beat) <= 0 or at - tonumber(beat) >= stale then
          msg = publish('hb', id, runtime, nil, at)
        else
          msg = '~' .. runtime
        end
        code = 1
      end
    end
  elseif op == 'st' then
    local old = redis.call('HGET', nodes, id)
    if replay and newer_in_redis('n:' .. id, ts) then
      code = 2
    elseif old then
      code = 1
      local current = string.match(old, '"status"%s*:%s*"([^"]*)"')
      if current == nil or string.lower(current) ~= a then
        local json, n = string.gsub(old, '"status"%s*:%s*"[^"]*"', '"status":"' .. a .. '"', 1)
        if n == 0 then
          json = '{"status":"' .. a .. '",' .. string.sub(old, 2)
        end
        redis.call('HSET', nodes, id, json)
        stamp('n:' .. id, ts)
        msg = publish('st', id, a, nil)
      end
    end
  elseif op == 'ab' then
    code, msg = put(abtests, 'a:', op, id, a, ts)
  elseif op == 'abdel' then
    if replay and newer_in_redis('a:' .. id, ts) then
      code = 2
    else
      if redis.call('HDEL', abtests, id) == 1 then
        msg = publish('abdel', id, nil, nil)
        code = 1
      end
      stamp('a:' .. id, ts)
    end
  else
    return redis.error_reply('unknown pool operation ' .. tostring(op))
  end
  out[#out + 1] = code
  out[#out + 1] = msg
end
out[1] = tonumber(redis.call('GET', revkey))
return out
