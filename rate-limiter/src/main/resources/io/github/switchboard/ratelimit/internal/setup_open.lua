-- The body of the algorithm, run once per segment with that segment's limits as ARGV and L.
local function setup(ARGV, L)
