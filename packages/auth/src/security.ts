import type { AuthUser } from '@zixly/contracts'
import type { Pool, Redis } from '@zixly/platform'
import { makeAdmin } from './admin.ts'
import { makeAuthenticator } from './authenticate.ts'
import type { JwtVerifier } from './jwt.ts'
import { makeRateLimiter } from './rate-limit.ts'
import { cookieValue, makeSessions, SESSION_COOKIE } from './sessions.ts'
import { makeReplayGuard } from './signatures.ts'
import { makeAuthStore } from './store.ts'

export interface SecurityOptions {
  pool: Pool
  redis: Redis
  /** The installation's namespace: Redis keys are `zixly:<ns>:…`. */
  namespace: string
  jwt?: JwtVerifier | undefined
  sessionTtlSeconds?: number
  sessionMaxAgeSeconds?: number
  /** Rate-limit window (60 s: limits are per minute). */
  rateWindowSeconds?: number
  /** See `AuthenticatorDeps.apiKeyCacheMs` (default 2000 ms: a revocation elsewhere takes ≤ 2 s). */
  apiKeyCacheMs?: number
}

/** Everything authentication needs, wired from a pool, a Redis client and a namespace. */
export function makeSecurity(opts: SecurityOptions) {
  const store = makeAuthStore(opts.pool)
  const sessions = makeSessions({
    redis: opts.redis,
    namespace: opts.namespace,
    ...(opts.sessionTtlSeconds === undefined ? {} : { ttlSeconds: opts.sessionTtlSeconds }),
    ...(opts.sessionMaxAgeSeconds === undefined ? {} : { maxAgeSeconds: opts.sessionMaxAgeSeconds }),
  })
  const authenticator = makeAuthenticator({
    store,
    sessions,
    jwt: opts.jwt,
    ...(opts.apiKeyCacheMs === undefined ? {} : { apiKeyCacheMs: opts.apiKeyCacheMs }),
  })
  const admin = makeAdmin(opts.pool)
  return {
    store,
    sessions,
    authenticator,
    limiter: makeRateLimiter(opts.redis, opts.namespace, opts.rateWindowSeconds ?? 60),
    replay: makeReplayGuard(opts.redis, opts.namespace),
    admin: {
      ...admin,
      // A key revoked here stops here at once; other instances stop within `apiKeyCacheMs`.
      async revokeApiKey(tenantId: string, id: string) {
        const revoked = await admin.revokeApiKey(tenantId, id)
        authenticator.forgetApiKey(id)
        return revoked
      },
    },
  }
}
export type Security = ReturnType<typeof makeSecurity>

/**
 * The user behind a session, for servers other than ingest that read the same Redis (the dashboard's
 * SSE stream): pass the `Cookie` header or the bare session id. Extends the session like any use.
 * Pair it with `authorize(user, 'jobs:read')` and filter the stream by `user.tenant_id`.
 */
export async function verifySession(redis: Redis, namespace: string, cookieOrId: string | undefined): Promise<AuthUser | null> {
  const id = cookieOrId?.includes('=') ? cookieValue(cookieOrId, SESSION_COOKIE) : cookieOrId
  const s = await makeSessions({ redis, namespace }).verify(id)
  return s ? { id: s.user_id, email: s.email, role: s.role, tenant_id: s.tenant_id } : null
}
