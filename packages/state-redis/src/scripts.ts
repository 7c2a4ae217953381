/**
 * Lua scripts, each atomic on the Redis server. ioredis `defineCommand` sends a script with EVAL
 * once per connection, then EVALSHA; a NOSCRIPT answer (Redis restarted, SCRIPT FLUSH) makes it
 * send EVAL again. Times come from the Redis server (`TIME`, `PTTL`), never from a process clock,
 * so processes on different machines agree on windows and leases.
 *
 * Numbers go back as strings: Redis turns a Lua number reply into an integer, which would
 * truncate float amounts.
 */

/**
 * KEYS[1] window; ARGV: windowMs, amount, limit ('' = none). Returns {count, allowed, resetMs}.
 * The window opens at the first hit (a refused one too, as the in-memory store does) and keeps
 * the TTL it opened with: INCRBYFLOAT leaves a key's expiry alone.
 */
export const HIT = `
local ttl = redis.call('PTTL', KEYS[1])
local count = 0
if ttl > 0 then
  count = tonumber(redis.call('GET', KEYS[1]))
else
  ttl = tonumber(ARGV[1])
  redis.call('SET', KEYS[1], 0, 'PX', ttl)
end
local amount = tonumber(ARGV[2])
if ARGV[3] ~= '' and count + amount > tonumber(ARGV[3]) then
  return {tostring(count), 0, ttl}
end
return {redis.call('INCRBYFLOAT', KEYS[1], amount), 1, ttl}
`;

/** KEYS: windows. Returns count, resetMs pairs (0, 0 for an absent window). */
export const COUNTS = `
local out = {}
for i, k in ipairs(KEYS) do
  local ttl = redis.call('PTTL', k)
  if ttl > 0 then
    out[#out + 1] = redis.call('GET', k)
    out[#out + 1] = ttl
  else
    out[#out + 1] = '0'
    out[#out + 1] = 0
  end
end
return out
`;

/**
 * KEYS[1] a sorted set of leases scored by expiry (server ms); ARGV: limit ('' = none), leaseMs, id.
 * Expired leases are dropped first, so a holder that died frees its slot after leaseMs.
 * Returns 1 when taken, 0 when all slots are in use.
 */
export const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if ARGV[1] ~= '' and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then
  return 0
end
local lease = tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], now + lease, ARGV[3])
if redis.call('PTTL', KEYS[1]) < lease then
  redis.call('PEXPIRE', KEYS[1], lease)
end
return 1
`;

/** KEYS: lease sets. Returns the unexpired leases of each. */
export const IN_USE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local out = {}
for i, k in ipairs(KEYS) do
  out[#out + 1] = redis.call('ZCOUNT', k, '(' .. now, '+inf')
end
return out
`;

/** KEYS[1] a float counter; ARGV: amount, ttlMs ('' = keep the expiry). Returns the new total. */
export const INCR = `
local v = redis.call('INCRBYFLOAT', KEYS[1], ARGV[1])
if ARGV[2] ~= '' then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return v
`;
