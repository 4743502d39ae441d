-- Reads every plan and assignment at one revision. KEYS[1] plans, KEYS[2] assignments, KEYS[3] revision
-- Reply: {revision, {name, policy, ...}, {key, plan, ...}}
return {tonumber(redis.call('GET', KEYS[3]) or '0'), redis.call('HGETALL', KEYS[1]), redis.call('HGETALL', KEYS[2])}
