local function decide(key, now, n)
