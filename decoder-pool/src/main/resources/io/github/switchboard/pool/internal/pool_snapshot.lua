-- Reads a whole decoder pool in one consistent step (a script runs atomically).
--
-- KEYS[1] nodes, KEYS[2] state, KEYS[3] abtests, KEYS[4] rev (see pool_apply.lua)
--
-- Returns {rev, nodes, state, abtests}: rev as a string, or "" when the revision key is missing (the pool
-- is not in Redis: new, or the data was lost); each hash as the flat field/value list of HGETALL.
local rev = redis.call('GET', KEYS[4])
return {rev or '', redis.call('HGETALL', KEYS[1]), redis.call('HGETALL', KEYS[2]),
        redis.call('HGETALL', KEYS[3])}
