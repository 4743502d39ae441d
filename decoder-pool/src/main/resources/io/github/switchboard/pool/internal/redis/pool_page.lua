-- Reads one page of a decoder pool: a coordinator that starts into a pool of 20,000 nodes reads it in
-- pages of about COUNT nodes, each a short script call well within the command timeout, instead of one
-- HGETALL of megabytes (see RedisPoolResync, "Pages").
--
-- KEYS[1] nodes, KEYS[2] state, KEYS[3] abtests, KEYS[4] rev, KEYS[5] epoch (see pool_apply.lua)
-- ARGV[1] the HSCAN cursor of the nodes hash ("0" for the first page), ARGV[2] COUNT
--
-- Returns {rev, epoch, next cursor, nodes, states, abtests}: rev as a string, or "" when the revision key is
-- missing (the pool is not in Redis); epoch, or ""; the cursor of the next page ("0": this was the last);
-- nodes the flat field/value list of this page; states the flat id/runtime list of those nodes that have
-- one; abtests the flat list of HGETALL on the first page, empty on the others.
local rev = redis.call('GET', KEYS[4])
local epoch = redis.call('GET', KEYS[5])
if not rev then
  return {'', epoch or '', '0', {}, {}, {}}
end
local page = redis.call('HSCAN', KEYS[1], ARGV[1], 'COUNT', ARGV[2])
local nodes = page[2]
local states = {}
if #nodes > 0 then
  local ids = {}
  for i = 1, #nodes, 2 do
    ids[#ids + 1] = nodes[i]
  end
  local values = redis.call('HMGET', KEYS[2], unpack(ids))
  for i = 1, #ids do
    if values[i] then
      states[#states + 1] = ids[i]
      states[#states + 1] = values[i]
    end
  end
end
local abtests = {}
if ARGV[1] == '0' then
  abtests = redis.call('HGETALL', KEYS[3])
end
return {rev, epoch or '', page[1], nodes, states, abtests}
