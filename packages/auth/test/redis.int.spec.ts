import { randomBytes } from 'node:crypto'
import { connectRedis, type Redis } from '@zixly/platform'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { infraUrls } from '../../../test/support/env.ts'
import { makeRateLimiter, rateLimitHeaders } from '../src/rate-limit.ts'
import { makeSessions } from '../src/sessions.ts'
import { verifySession } from '../src/security.ts'
import { makeReplayGuard } from '../src/signatures.ts'

const ns = `t_authredis_${randomBytes(4).toString('hex')}`
let a: Redis
let b: Redis

beforeAll(async () => {
  a = await connectRedis(infraUrls().REDIS_URL)
  b = await connectRedis(infraUrls().REDIS_URL)
})
afterAll(async () => {
  const keys = await a.keys(`zixly:${ns}:*`)
  if (keys.length > 0) await a.del(...keys)
  a.disconnect()
  b.disconnect()
})

describe('the sliding-window rate limiter', () => {
  it('admits exactly the limit across two clients hitting it at once, and says when to retry', async () => {
    const one = makeRateLimiter(a, ns)
    const two = makeRateLimiter(b, ns)
    const buckets = [{ name: 'tenant:x:write', limit: 100 }]
    const decisions = await Promise.all(Array.from({ length: 150 }, (_, i) => (i % 2 ? one : two).hit(buckets)))
    expect(decisions.filter((d) => d.admitted)).toHaveLength(100)
    const refused = decisions.filter((d) => !d.admitted)
    expect(refused).toHaveLength(50)
    for (const d of refused) {
      expect(d.resetSeconds).toBeGreaterThanOrEqual(1)
      expect(d.resetSeconds).toBeLessThanOrEqual(60)
      expect(rateLimitHeaders(d)['retry-after']).toBe(String(d.resetSeconds))
    }
  })
  it('refuses when any bucket is full and then counts the request in none of them', async () => {
    const rl = makeRateLimiter(a, ns)
    const tenant = { name: 'tenant:y:write', limit: 5 }
    const key = { name: 'key:y1:write', limit: 2 }
    expect((await rl.hit([tenant, key])).admitted).toBe(true)
    expect((await rl.hit([tenant, key])).admitted).toBe(true)
    const third = await rl.hit([tenant, key])
    expect(third).toMatchObject({ admitted: false, limit: 2, remaining: 0 })
    // Another key of the same tenant still has the 3 tenant slots the refused request did not take.
    const other = { name: 'key:y2:write', limit: 5 }
    const results = [await rl.hit([tenant, other]), await rl.hit([tenant, other]), await rl.hit([tenant, other]), await rl.hit([tenant, other])]
    expect(results.map((r) => r.admitted)).toEqual([true, true, true, false])
  })
  it('frees slots once the window has passed', async () => {
    const rl = makeRateLimiter(a, ns, 1)
    const bucket = [{ name: 'short', limit: 1 }]
    expect((await rl.hit(bucket)).admitted).toBe(true)
    expect((await rl.hit(bucket)).admitted).toBe(false)
    await new Promise((r) => setTimeout(r, 1100))
    expect((await rl.hit(bucket)).admitted).toBe(true)
  })
})

describe('sessions', () => {
  const user = { id: '8d7f6a52-0000-4000-8000-000000000001', email: 'ana@acme.test', role: 'EDITOR' as const, tenant_id: 'acme' }

  it('are opaque ids in Redis under zixly:<ns>:session:<id> that the dashboard can verify', async () => {
    const s = makeSessions({ redis: a, namespace: ns })
    const id = await s.create(user)
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(await a.exists(`zixly:${ns}:session:${id}`)).toBe(1)
    expect(await verifySession(b, ns, `theme=dark; zixly_session=${id}`)).toEqual(user)
    expect(await verifySession(b, ns, id)).toEqual(user)
  })
  it('slide: every use extends the idle timeout', async () => {
    const s = makeSessions({ redis: a, namespace: ns, ttlSeconds: 100 })
    const id = await s.create(user)
    await a.expire(`zixly:${ns}:session:${id}`, 5)
    await s.verify(id)
    expect(await a.ttl(`zixly:${ns}:session:${id}`)).toBeGreaterThan(90)
  })
  it('end on logout, on a user change, and past their maximum age', async () => {
    let now = Date.now()
    const s = makeSessions({ redis: a, namespace: ns, maxAgeSeconds: 60, now: () => now })
    const one = await s.create(user)
    await s.destroy(one)
    expect(await s.verify(one)).toBeNull()
    const two = await s.create(user)
    const three = await s.create(user)
    await s.destroyUser(user.id)
    expect(await s.verify(two)).toBeNull()
    expect(await s.verify(three)).toBeNull()
    const four = await s.create(user)
    now += 61_000
    expect(await s.verify(four)).toBeNull()
  })
  it('refuse ids that are not ours without asking Redis for odd keys', async () => {
    const s = makeSessions({ redis: a, namespace: ns })
    for (const id of ['', '*', '../x', 'a'.repeat(43) + '*', undefined]) expect(await s.verify(id)).toBeNull()
  })
})

describe('the replay guard', () => {
  it('accepts a signature once, on any instance', async () => {
    const sig = randomBytes(32).toString('hex')
    expect(await makeReplayGuard(a, ns).firstUse('acme', sig)).toBe(true)
    expect(await makeReplayGuard(b, ns).firstUse('acme', sig)).toBe(false)
    expect(await makeReplayGuard(b, ns).firstUse('other', sig)).toBe(true)
  })
})
