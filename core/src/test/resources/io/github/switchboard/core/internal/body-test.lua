-- a body that needs the prelude
return tag(ARGV[1] .. ":" .. KEYS[1])
