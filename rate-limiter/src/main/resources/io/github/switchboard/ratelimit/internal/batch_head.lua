-- Switchboard rate limiter: several decisions in one call (coalescing). The script is helpers.lua, this
-- head, clock.lua, the algorithm's own body (its per-call setup and its decide(key, now, n, out)), then
-- batch_tail.lua, so each decision runs the very code of the single-decision script, in order: the j-th
-- sees what the ones before it wrote, exactly as if they had been sent one by one.
--
-- KEYS[1..m]  the state keys, in the order the requests arrived (one key may appear several times)
-- ARGV[1]     '' (each decision's time and permits follow the limits), or '1' (compact: every decision
--             is on Redis's TIME and asks for 1 permit, and nothing follows the limits)
-- ARGV[2]     m, the number of decisions
-- ARGV[3], ARGV[4], ...  one pair per limit: count, window in microseconds (as in the single script)
-- then, unless compact, per decision j: now_j (microseconds, or '' for Redis's TIME, read once per
-- call), permits_j
--
-- Reply: the single script's replies one after the other, each {allowed, now, 4 values per limit}.

local m = tonumber(ARGV[2])
local compact = ARGV[1] == '1'
local L
if compact then L = (#ARGV - 2) / 2 else L = (#ARGV - 2 - 2 * m) / 2 end
