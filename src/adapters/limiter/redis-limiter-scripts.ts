// The Lua scripts of the Redis limiter. Each runs atomically inside Redis, so a reservation by one process is
// seen whole by every other. Their arithmetic is the domain's (src/domain/gcra.ts reserveSlot, domain-backoff.ts
// backoffFactor / onThrottleReply / slowedRate), written again in Lua; the limiter contract suite
// (test/contract/limiter-contract.ts) runs the same cases on both adapters, so the two cannot drift apart unseen.
// Numbers are stored with %.17g, which reads back as the same double (Lua's tostring keeps only 14 digits).

/**
 * Reserve, in order, the slots of several requests, each taking the next GCRA slot of each of its keys.
 * KEYS: the distinct keys of the call (GCRA state `<prefix>gcra:<key>`, slow-down state `<prefix>slow:<key>`).
 * ARGV: now, number of requests, then per request its key count and per key: index of its GCRA key in KEYS,
 * perSecond, burst, index of its slow-down key (0 = not slowed), recoverAfterMs.
 * Returns, per request, the time (ms, rounded up) when all its keys allow sending.
 * A GCRA key expires when its debt has passed (its TAT): by then a missing key means the same as the stored one.
 */
export const RESERVE_LUA = `
local now = tonumber(ARGV[1])
local nreq = tonumber(ARGV[2])
local tat, loaded, factors, out = {}, {}, {}, {}
local p = 3
local function factor_of(i, recover)
  local f = factors[i]
  if f == nil then
    f = 1
    local v = redis.call('HMGET', KEYS[i], 'f', 's')
    if v[1] and v[2] then
      local steps = math.floor(math.max(0, now - tonumber(v[2])) / recover)
      f = math.min(1, tonumber(v[1]) * 2 ^ steps)
    end
    factors[i] = f
  end
  return f
end
for r = 1, nreq do
  local n = tonumber(ARGV[p])
  p = p + 1
  local send_at = now
  for _ = 1, n do
    local gi, per_second, burst = tonumber(ARGV[p]), tonumber(ARGV[p + 1]), tonumber(ARGV[p + 2])
    local si, recover = tonumber(ARGV[p + 3]), tonumber(ARGV[p + 4])
    p = p + 5
    if si > 0 then
      local f = factor_of(si, recover)
      if f < 1 then
        per_second = per_second * f
        burst = math.max(1, math.floor(burst * f))
      end
    end
    if not loaded[gi] then
      loaded[gi] = true
      local v = redis.call('GET', KEYS[gi])
      if v then tat[gi] = tonumber(v) end
    end
    local interval = 1000 / per_second
    local tolerance = interval * (math.max(1, burst) - 1)
    local current = math.max(tat[gi] or now, now)
    local at = math.max(now, current - tolerance)
    tat[gi] = current + interval
    if at > send_at then send_at = at end
  end
  out[r] = math.ceil(send_at)
end
for i, t in pairs(tat) do
  redis.call('SET', KEYS[i], string.format('%.17g', t), 'PX', math.max(1, math.ceil(t - now)))
end
return out
`;

/**
 * A throttling reply for one key: its multiplier (recovered to now) is cut, down to a floor, from now on.
 * KEYS[1]: the slow-down state `<prefix>slow:<key>` (hash: f = multiplier, s = since). ARGV: now, cut, floor,
 * recoverAfterMs. The state expires once the multiplier would have recovered to 1. Returns the new multiplier
 * as a string (a Lua number reply would be truncated to an integer).
 */
export const SLOW_DOWN_LUA = `
local now, cut, floor, recover = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local f = 1
local v = redis.call('HMGET', KEYS[1], 'f', 's')
if v[1] and v[2] then
  local steps = math.floor(math.max(0, now - tonumber(v[2])) / recover)
  f = math.min(1, tonumber(v[1]) * 2 ^ steps)
end
local nf = math.max(floor, f * cut)
redis.call('HSET', KEYS[1], 'f', string.format('%.17g', nf), 's', string.format('%.17g', now))
local steps = 1
-- One step more than the arithmetic needs: rounding in log() must not expire a state that has not recovered.
if nf < 1 then steps = math.ceil(math.log(1 / nf) / math.log(2)) + 1 end
redis.call('PEXPIRE', KEYS[1], math.max(1, steps * recover))
return string.format('%.17g', nf)
`;
