import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { rateLimitHeaders, type RateLimiter } from '@zixly/auth'
import { RateLimited } from '@zixly/platform'

const READS = new Set(['GET', 'HEAD', 'OPTIONS'])

/**
 * Per-tenant and per-credential rate limits for authenticated requests, counted in Redis so every
 * ingest instance shares them. Requests that change something and reads have separate budgets (a
 * dashboard's reads must not use up a tenant's triggers). Runs after authentication (registered
 * after the auth plugin, so its onRequest hook comes second).
 */
export const rateLimitPlugin = fp(
  async (app: FastifyInstance, opts: { limiter: RateLimiter }) => {
    app.addHook('onRequest', async (req, reply) => {
      const p = req.principal
      if (!p) return
      const cls = READS.has(req.method) ? 'read' : 'write'
      const tenantLimit = cls === 'read' ? p.limits.read : p.limits.write
      const decision = await opts.limiter.hit([
        { name: `tenant:${p.tenantId}:${cls}`, limit: tenantLimit },
        // A key's own limit (api_keys.rate_limit_per_minute) narrows its writes below the tenant's.
        { name: `${p.kind}:${p.tenantId}:${p.subject}:${cls}`, limit: cls === 'write' ? (p.limits.subject ?? tenantLimit) : tenantLimit },
      ])
      void reply.headers(rateLimitHeaders(decision))
      if (!decision.admitted) throw new RateLimited(decision.resetSeconds)
    })
  },
  { name: 'zixly-rate-limit', fastify: '5.x', dependencies: ['zixly-auth'] },
)
