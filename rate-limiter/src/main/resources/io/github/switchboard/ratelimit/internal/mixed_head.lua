-- Switchboard rate limiter: several decisions of several one-limit policies of one algorithm in one call
-- (a limiter and its plans' limiters share their coalescing lanes). The script is helpers.lua, this head,
-- clock.lua, the algorithm's body, then mixed_tail.lua: each decision runs the very decide of the single
-- and batched scripts, in arrival order, with its own policy's limit.
--
-- KEYS[1..m]  the state keys, in the order the requests arrived
-- ARGV[1]     '' (each decision's time and permits follow its policy's number), or '1' (compact: every
--             decision is on Redis's TIME and asks for 1 permit)
-- ARGV[2]     P, the number of policies; then, per policy, the values its body's plan(at) reads (its
--             limit and what the single script derives from it, derived once by the client:
--             RedisRateLimiter.planArgs)
-- then per decision j: the number of its policy (1..P), and unless compact its time (microseconds, or ''
-- for Redis's TIME, read once per call) and permits
--
-- Reply: the single script's replies one after the other, each {allowed, now, used, remaining,
-- resetAfter, retryAfter}.

local compact = ARGV[1] == '1'
local L = 0 -- the body sets up its one-limit decide without a limit: use(p) gives it each policy's
