/**
 * The cache's Lua scripts, each one atomic call (EVALSHA through iovalkey's defineCommand, which
 * falls back to EVAL when the server does not know the script yet). Both touch ONE key, so they
 * run the same on a cluster-mode endpoint (ElastiCache Serverless) as on a single server.
 */

/**
 * Compare-and-set of a versioned value (a hash: `v` the version, `d` the JSON value): writes when
 * there is no entry or the entry's version is not newer, so an older value (a slow reader's fill
 * from before a status change) never overwrites a newer one (the status consumer's write-through).
 * KEYS[1] the key; ARGV: version, value, ttl seconds. Returns 1 when written, 0 when kept.
 */
export const SET_IF_NEWER = `
local current = redis.call('HGET', KEYS[1], 'v')
if current and tonumber(current) > tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'v', ARGV[1], 'd', ARGV[2])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
return 1
`;

/**
 * Token bucket, shared by every task: the bucket (`tokens`, `ts` in ms) refills at ARGV[2] tokens
 * per millisecond up to ARGV[1], measured with the server's clock (TIME), so the tasks' clocks do
 * not matter. Takes one token when there is one. Returns {1, 0} (allowed) or {0, ms until a token}.
 * The bucket expires once it would be full again (an idle customer costs no memory).
 */
export const TAKE_TOKEN = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local bucket = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(bucket[1])
local ts = tonumber(bucket[2])
if tokens == nil or ts == nil then
  tokens = capacity
  ts = now
end
tokens = math.min(capacity, tokens + math.max(0, now - ts) * rate)
local allowed = 0
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  wait = math.ceil((1 - tokens) / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - tokens) / rate) + 1000)
return {allowed, wait}
`;
