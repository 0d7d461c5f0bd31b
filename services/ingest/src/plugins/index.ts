import type { FastifyInstance } from 'fastify'
import { OPEN_PATHS, type Security } from '@zixly/auth'
import { authPlugin } from './auth.ts'
import { hardening } from './hardening.ts'
import { rateLimitPlugin } from './rate-limit.ts'
import { adminRoutes } from './admin-routes.ts'
import { sessionRoutes } from './session-routes.ts'

export { principalOf, tenantOf } from './auth.ts'

/** What ingest's security needs; `main.ts` builds it from the environment, tests from their world. */
export interface IngestSecurity {
  security: Security
  /** `Secure` on the session cookie (everywhere but development). */
  cookieSecure?: boolean
  /** Browser origins allowed by CORS. */
  corsOrigins?: readonly string[]
  maxJsonDepth?: number
  /**
   * Addresses or CIDRs of proxies whose `X-Forwarded-For` names the client (the dashboard server): the
   * login limit per address then counts each person, not the proxy. None by default.
   */
  trustProxy?: readonly string[]
}

/** A registered route and the permission it declares (undefined: refused to everyone). */
export interface RouteRule {
  method: string
  url: string
  permission: string | undefined
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route with what it asks for (test/security walks it as the role × route matrix). */
    securedRoutes(): RouteRule[]
  }
}

/**
 * Registers hardening, authentication + authorization, and rate limiting (in this order: their
 * onRequest hooks run in it), then the session and admin routes. Call before any other route.
 * Answers every route registered, with the permission it declares; the probes are `public`.
 */
export async function registerSecurity(app: FastifyInstance, opts: IngestSecurity & { now: () => Date }): Promise<() => RouteRule[]> {
  const rules: RouteRule[] = []
  app.addHook('onRoute', (route) => {
    for (const method of ([] as string[]).concat(route.method)) {
      if (method === 'OPTIONS' || method === 'HEAD') continue
      rules.push({ method, url: route.url, permission: OPEN_PATHS.includes(route.url) ? 'public' : route.config?.permission })
    }
  })
  await app.register(hardening, { corsOrigins: opts.corsOrigins ?? [], ...(opts.maxJsonDepth ? { maxJsonDepth: opts.maxJsonDepth } : {}) })
  await app.register(authPlugin, { security: opts.security, now: opts.now })
  await app.register(rateLimitPlugin, { limiter: opts.security.limiter })
  sessionRoutes(app, { security: opts.security, cookieSecure: opts.cookieSecure ?? false })
  adminRoutes(app, { security: opts.security })
  return () => [...rules]
}
