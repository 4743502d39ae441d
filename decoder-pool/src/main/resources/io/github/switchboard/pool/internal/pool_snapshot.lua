-- Reads a whole decoder pool in one consistent step (a script runs atomically).
--
-- KEYS[1] nodes, KEYS[2] state, KEYS[3] abtests, KEYS[4] rev (see pool_apply.lua), KEYS[5] epoch
--
-- Returns {rev, nodes, state, abtests, epoch}: rev as a string, or "" when the revision key is missing
-- (the pool is not in Redis: new, or the data was lost); each hash as the flat field/value list of
-- HGETALL; epoch the revision the pool was seeded with (see pool_seed.lua), or "".
local rev = redis.call('GET', KEYS[4])
local epoch = redis.call('GET', KEYS[5])
return {rev or '', redis.call('HGETALL', KEYS[1]), redis.call('HGETALL', KEYS[2]),
        redis.call('HGETALL', KEYS[3]), epoch or ''}
