import { createHash, randomUUID } from 'node:crypto'
import type { Redis } from '@zixly/platform'

/** Default requests per minute (the seed's figure) for requests that change something. */
export const DEFAULT_WRITE_LIMIT = 100
/** Default requests per minute for reads (a dashboard polls; it must not eat the trigger budget). */
export const DEFAULT_READ_LIMIT = 1000

/**
 * A sliding-window log over several buckets at once, atomically: a request is admitted only if every
 * bucket has room, and then it is recorded in all of them. Time is Redis' own clock (`TIME`), so
 * several ingest instances share one window without trusting their clocks. The log is exact, which a
 * token bucket is not: within any `window` no bucket admits more than its limit.
 *
 * KEYS = bucket keys; ARGV = window ms, member id, then one limit per key.
 * Returns { admitted (1/0), remaining (of the tightest bucket), ms until it frees a slot, that limit }.
 */
const SCRIPT = `
local window = tonumber(ARGV[1])
local member = ARGV[2]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local admitted = 1
local remaining = -1
local wait = 0
local tightest = 0
for i, key in ipairs(KEYS) do
  local limit = tonumber(ARGV[i + 2])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  local count = redis.call('ZCARD', key)
  local left = limit - count
  if left <= 0 then
    admitted = 0
    local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
    local w = window
    if oldest[2] then w = tonumber(oldest[2]) + window - now end
    if w > wait then wait = w end
  end
  if remaining < 0 or left < remaining then
    remaining = left
    tightest = limit
  end
end
if admitted == 1 then
  for i, key in ipairs(KEYS) do
    redis.call('ZADD', key, now, member)
    redis.call('PEXPIRE', key, window)
  end
  remaining = remaining - 1
else
  remaining = 0
end
if wait == 0 then wait = window end
return { admitted, remaining, wait, tightest }
`

export interface Bucket {
  /** What is counted, e.g. `tenant:acme:write` or `key:0123abcd:write`. */
  readonly name: string
  readonly limit: number
}

export interface RateDecision {
  admitted: boolean
  /** The tightest bucket's limit and what is left of it. */
  limit: number
  remaining: number
  /** Seconds until the tightest bucket frees a slot (the `Retry-After` when refused). */
  resetSeconds: number
  windowSeconds: number
}

const SCRIPT_SHA = createHash('sha1').update(SCRIPT).digest('hex')
const isNoScript = (err: unknown) => /NOSCRIPT/.test(String((err as Error)?.message ?? err))

export function makeRateLimiter(redis: Redis, namespace: string, windowSeconds = 60) {
  const key = (b: Bucket) => `zixly:${namespace}:rl:${b.name}`
  return {
    async hit(buckets: readonly Bucket[]): Promise<RateDecision> {
      const member = randomUUID()
      const args = [
        buckets.length,
        ...buckets.map(key),
        windowSeconds * 1000,
        member,
        ...buckets.map((b) => Math.max(1, Math.floor(b.limit))),
      ] as const
      // EVALSHA: the script is sent once per Redis (again only after a restart or SCRIPT FLUSH), not
      // with every request.
      const out = (await redis.evalsha(SCRIPT_SHA, ...args).catch((err: unknown) => {
        if (isNoScript(err)) return redis.eval(SCRIPT, ...args)
        throw err
      })) as [number, number, number, number]
      const [admitted, remaining, waitMs, limit] = out
      return { admitted: admitted === 1, limit, remaining: Math.max(0, remaining), resetSeconds: Math.max(1, Math.ceil(waitMs / 1000)), windowSeconds }
    },
  }
}
export type RateLimiter = ReturnType<typeof makeRateLimiter>

/** `RateLimit-*` headers (IETF draft "RateLimit header fields", separate-fields form) plus `Retry-After` when refused. */
export function rateLimitHeaders(d: RateDecision): Record<string, string> {
  return {
    'ratelimit-limit': String(d.limit),
    'ratelimit-remaining': String(d.remaining),
    'ratelimit-reset': String(d.resetSeconds),
    'ratelimit-policy': `${d.limit};w=${d.windowSeconds}`,
    ...(d.admitted ? {} : { 'retry-after': String(d.resetSeconds) }),
  }
}
