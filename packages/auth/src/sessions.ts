import { randomBytes } from 'node:crypto'
import { SessionRecord, type AuthUser } from '@zixly/contracts'
import type { Redis } from '@zixly/platform'

/** Name of the session cookie (shared with the dashboard). */
export const SESSION_COOKIE = 'zixly_session'

export interface SessionOptions {
  redis: Redis
  namespace: string
  /** Idle time after which a session ends; every use extends it (sliding). */
  ttlSeconds?: number
  /** Age after which a session ends however busy it is. */
  maxAgeSeconds?: number
  now?: () => number
}

const ID = /^[A-Za-z0-9_-]{43}$/

/**
 * Sessions in Redis under `zixly:<ns>:session:<id>`, with a per-user index so changing a user's role
 * or disabling them ends their sessions at once. The id is 32 random bytes: the cookie carries
 * nothing else, so there is nothing to sign.
 */
export function makeSessions(opts: SessionOptions) {
  const { redis, namespace } = opts
  const ttl = opts.ttlSeconds ?? 12 * 3600
  const maxAge = opts.maxAgeSeconds ?? 7 * 86_400
  const now = opts.now ?? Date.now
  const keyOf = (id: string) => `zixly:${namespace}:session:${id}`
  const userKey = (userId: string) => `zixly:${namespace}:user-sessions:${userId}`

  return {
    async create(user: AuthUser): Promise<string> {
      const id = randomBytes(32).toString('base64url')
      const record: SessionRecord = { user_id: user.id, email: user.email, role: user.role, tenant_id: user.tenant_id, created_at: now() }
      await redis
        .multi()
        .set(keyOf(id), JSON.stringify(record), 'EX', ttl)
        .sadd(userKey(user.id), id)
        .expire(userKey(user.id), maxAge)
        .exec()
      return id
    },

    /** The session's record, extending its idle timeout; null when unknown, expired or malformed. */
    async verify(id: string | undefined): Promise<SessionRecord | null> {
      if (typeof id !== 'string' || !ID.test(id)) return null
      const raw = await redis.getex(keyOf(id), 'EX', ttl)
      if (raw === null) return null
      let parsed
      try {
        parsed = SessionRecord.safeParse(JSON.parse(raw))
      } catch {
        return null
      }
      if (!parsed.success || now() - parsed.data.created_at > maxAge * 1000) {
        await redis.del(keyOf(id))
        return null
      }
      return parsed.data
    },

    async destroy(id: string | undefined): Promise<void> {
      if (typeof id === 'string' && ID.test(id)) await redis.del(keyOf(id))
    },

    /** Ends every session of a user (role changed, password changed, disabled, deleted). */
    async destroyUser(userId: string): Promise<void> {
      const ids = await redis.smembers(userKey(userId))
      if (ids.length > 0) await redis.del(...ids.map(keyOf))
      await redis.del(userKey(userId))
    },
  }
}
export type Sessions = ReturnType<typeof makeSessions>

/** Parses one cookie from a `Cookie` header without a library (names and values are plain here). */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header || header.length > 8192) return undefined
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq < 0) continue
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim()
  }
  return undefined
}

/** The `Set-Cookie` value for a session id (or clearing it when `id` is null). */
export function sessionCookie(id: string | null, opts: { secure: boolean }): string {
  const attrs = ['HttpOnly', 'SameSite=Strict', 'Path=/', ...(opts.secure ? ['Secure'] : [])]
  return id === null
    ? [`${SESSION_COOKIE}=`, 'Max-Age=0', ...attrs].join('; ')
    : [`${SESSION_COOKIE}=${id}`, ...attrs].join('; ')
}
