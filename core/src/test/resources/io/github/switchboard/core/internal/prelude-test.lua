-- a prelude shared by scripts: defines a helper the body uses
local function tag(s) return "<" .. s .. ">" end