-- One bounded step of pruning the tombstones of a decoder pool's "updated" hash (RedisTombstonePruner).
--
-- KEYS[1] updated  hash "n:<node_id>" / "a:<name>" -> microseconds of the item's last change
-- KEYS[2] nodes    hash node_id -> node JSON
-- KEYS[3] abtests  hash name -> A/B test JSON
-- ARGV[1] the HSCAN cursor ("0" starts a pass)
-- ARGV[2] the HSCAN COUNT (how many fields one step looks at, about)
-- ARGV[3] the retention, microseconds
--
-- A field is a tombstone when its item no longer exists; it is deleted when older than the retention by
-- Redis's own clock (TIME), never a caller's. The stamp of an existing item is kept (pool_apply.lua
-- compares journal replays with it).
-- Returns {next cursor ("0" when the pass is over), tombstones deleted}.
local updated, nodes, abtests = KEYS[1], KEYS[2], KEYS[3]
local now = redis.call('TIME')
local horizon = tonumber(now[1]) * 1000000 + tonumber(now[2]) - tonumber(ARGV[3])
local page = redis.call('HSCAN', updated, ARGV[1], 'COUNT', tonumber(ARGV[2]))
local fields = page[2]
local deleted = 0
for i = 1, #fields, 2 do
  local field, ts = fields[i], tonumber(fields[i + 1])
  local kind, id = string.sub(field, 1, 2), string.sub(field, 3)
  local hash = nil
  if kind == 'n:' then
    hash = nodes
  elseif kind == 'a:' then
    hash = abtests
  end
  if hash and ts and ts < horizon and redis.call('HEXISTS', hash, id) == 0 then
    redis.call('HDEL', updated, field)
    deleted = deleted + 1
  end
end
return {page[1], deleted}
