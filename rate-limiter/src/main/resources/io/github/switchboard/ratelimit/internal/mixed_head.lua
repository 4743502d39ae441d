-- Switchboard rate limiter: several decisions of several one-limit policies of one algorithm in one call
-- (a limiter and its plans' limiters share their coalescing lanes). The script is helpers.lua, this head,
-- clock.lua, the algorithm's body, then mixed_tail.lua: each decision runs the very decide of the single
-- and batched scripts, in arrival order, with its own policy's limit.
--
-- KEYS[1..m]  the state keys, in the order the requests arrived
-- ARGV[1]     '' (each decision's time and permits follow the policies), or '1' (compact: every
--             decision is on Redis's TIME and asks for 1 permit)
-- ARGV[2]     P, the number of policies
-- ARGV[3]     the number of each decision's policy, one byte each: 48 + its number (1..P)
-- then, per policy, the planSize values its body's use(at) reads (its limit and what the single script
-- derives from it, derived once by the client: RedisRateLimiter.planArgs); then, unless compact, per
-- decision its time (microseconds, or '' for Redis's TIME, read once per call) and permits
--
-- Reply: the single script's replies one after the other, each {allowed, now, used, remaining,
-- resetAfter, retryAfter}.

local compact = ARGV[1] == '1'
local L = 0 -- the body sets up its one-limit decide without a limit: use(p) gives it each policy's
