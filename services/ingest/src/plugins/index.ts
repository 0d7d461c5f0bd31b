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
}

/**
 * Registers hardening, authentication + authorization, and rate limiting (in this order: their
 * onRequest hooks run in it), then the session and admin routes. Call before any other route.
 * Answers the routes registered so far and later that declare no permission (default deny refuses them).
 */
export async function registerSecurity(app: FastifyInstance, opts: IngestSecurity & { now: () => Date }): Promise<() => string[]> {
  const undeclared = new Set<string>()
  app.addHook('onRoute', (route) => {
    const methods = ([] as string[]).concat(route.method)
    if (methods.every((m) => m === 'OPTIONS' || m === 'HEAD') || OPEN_PATHS.includes(route.url)) return
    if (route.config?.permission === undefined) undeclared.add(`${methods.join(',')} ${route.url}`)
  })
  await app.register(hardening, { corsOrigins: opts.corsOrigins ?? [], ...(opts.maxJsonDepth ? { maxJsonDepth: opts.maxJsonDepth } : {}) })
  await app.register(authPlugin, { security: opts.security, now: opts.now })
  await app.register(rateLimitPlugin, { limiter: opts.security.limiter })
  sessionRoutes(app, { security: opts.security, cookieSecure: opts.cookieSecure ?? false })
  adminRoutes(app, { security: opts.security })
  return () => [...undeclared]
}
