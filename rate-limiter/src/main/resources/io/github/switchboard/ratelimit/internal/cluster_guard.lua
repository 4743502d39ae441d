-- Switchboard rate limiter, on a Redis Cluster node's own connection (after the algorithm's body, before
-- the tail): a decision whose key this node does not serve (its slot moved, or is moving and the key is
-- gone) is answered {-1, 0, ...}, as long as its reply, instead of failing the whole call. Redis refuses
-- the key's first access, before the decision has written anything, so the client can send that decision
-- again alone through normal routing (which follows MOVED and ASK): never lost, never counted twice. Any
-- other error fails the call as before.

local decideHere = decide
decide = function(key, now, n, out)
  local size = #out
  local ok, err = pcall(decideHere, key, now, n, out)
  if not ok then
    if not string.find(tostring(err), 'non local key', 1, true) then error(err, 0) end
    for i = #out, size + 1, -1 do out[i] = nil end
    out[size + 1] = -1
    for i = 2, 2 + 4 * math.max(L, 1) do out[size + i] = 0 end
  end
end
