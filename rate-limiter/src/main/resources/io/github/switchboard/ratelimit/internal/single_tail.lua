-- Switchboard rate limiter: the end of every single-decision script (after the algorithm's body).

local out = {}
decide(key, now, n, out)
return out
