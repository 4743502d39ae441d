#!lua flags=allow-cross-slot-keys
-- Switchboard rate limiter: the start of a batched or mixed script sent on a Redis Cluster node's own
-- connection (issue 22). A script's declared keys must share one slot even with allow-cross-slot-keys, so
-- this call declares none: its keys come last in ARGV, followed by their number, and are put back into
-- KEYS (and taken off ARGV) here, so that the rest of the script reads its arguments as on one server.
-- The flag lets it touch keys of any slot this node serves (Redis 7.0+).

local nkeys = tonumber(ARGV[#ARGV])
local firstKey = #ARGV - nkeys
for j = 1, nkeys do KEYS[j] = ARGV[firstKey + j - 1] end
for i = #ARGV, firstKey, -1 do ARGV[i] = nil end
