-- a test script kept as a resource
return ARGV[1] .. ':' .. KEYS[1]
