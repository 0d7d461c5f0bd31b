import type { AuthUser } from '@zixly/contracts'
import { looksLikeJwt, type JwtVerifier } from './jwt.ts'
import { hashApiKey, parseApiKey, safeEqual } from './keys.ts'
import { DUMMY_PASSWORD_HASH, verifyPassword } from './passwords.ts'
import type { Principal } from './policy.ts'
import { DEFAULT_READ_LIMIT, DEFAULT_WRITE_LIMIT } from './rate-limit.ts'
import { cookieValue, SESSION_COOKIE, type Sessions } from './sessions.ts'
import type { AuthStore } from './store.ts'

/** The credentials a request carries, taken from its headers (at most one of each kind). */
export interface Credentials {
  apiKey?: string
  bearer?: string
  sessionId?: string
}

type Headers = Record<string, string | string[] | undefined>
const one = (v: string | string[] | undefined): string | undefined => (typeof v === 'string' ? v : undefined)

/** `X-API-Key`, `Authorization: Bearer …` and the `zixly_session` cookie. */
export function credentialsOf(headers: Headers): Credentials {
  const out: Credentials = {}
  const key = one(headers['x-api-key'])
  if (key !== undefined) out.apiKey = key.trim()
  const authz = one(headers.authorization)
  const m = authz === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(authz)
  if (m) out.bearer = m[1]!
  else if (authz !== undefined) out.bearer = '' // another scheme (Basic, …) is a credential we refuse
  const session = cookieValue(one(headers.cookie), SESSION_COOKIE)
  if (session !== undefined) out.sessionId = session
  return out
}

export interface AuthenticatorDeps {
  store: AuthStore
  sessions: Sessions
  jwt?: JwtVerifier | undefined
  now?: () => number
  /**
   * How long a found API key's row (tenant, role, limits, revocation) is reused without asking
   * Postgres again; 0 looks it up on every request. A key revoked through this instance is forgotten
   * at once (`forgetApiKey`); on other instances the revocation (or a change of the tenant's limits
   * or signing secret) takes effect within this time. Default 2000 ms.
   */
  apiKeyCacheMs?: number
}

/** The most keys kept; past it the cache starts over (each key then costs one lookup again). */
const API_KEY_CACHE_MAX = 10_000

/**
 * Turns credentials into a principal, or null (401). The first credential present decides, in the
 * order API key, bearer, session; an invalid one is never passed over for the next.
 */
export function makeAuthenticator(deps: AuthenticatorDeps) {
  const now = deps.now ?? Date.now
  const touched = new Map<string, number>()
  const cacheMs = deps.apiKeyCacheMs ?? 2000
  // Key id → its row and when it was read. Only keys that exist are kept, so a new key works at once;
  // the key's secret is still checked against the row's hash on every request.
  const keyRows = new Map<string, { row: Awaited<ReturnType<AuthStore['apiKey']>>; at: number }>()

  async function apiKeyRow(id: string) {
    const hit = keyRows.get(id)
    if (hit && now() - hit.at < cacheMs) return hit.row
    const row = await deps.store.apiKey(id)
    if (row && cacheMs > 0) {
      if (keyRows.size >= API_KEY_CACHE_MAX) keyRows.clear()
      keyRows.set(id, { row, at: now() })
    } else keyRows.delete(id)
    return row
  }

  async function byApiKey(key: string): Promise<Principal | null> {
    const parsed = parseApiKey(key)
    if (!parsed) return null
    const row = await apiKeyRow(parsed.id)
    if (!row || !safeEqual(row.key_hash, hashApiKey(key)) || row.revoked_at !== null) return null
    // last_used_at: one write per key per minute per instance, not one per request.
    if (now() - (touched.get(row.id) ?? 0) > 60_000) {
      if (touched.size > 10_000) touched.clear()
      touched.set(row.id, now())
      await deps.store.touchApiKey(row.tenant_id, row.id)
    }
    return {
      kind: 'api_key',
      tenantId: row.tenant_id,
      role: row.role,
      subject: row.id,
      limits: {
        write: row.rate_limit_per_minute ?? DEFAULT_WRITE_LIMIT,
        read: row.read_rate_limit_per_minute ?? DEFAULT_READ_LIMIT,
        subject: row.key_rate_limit,
      },
      signingSecret: row.signing_secret,
    }
  }

  async function bySession(id: string): Promise<Principal | null> {
    const s = await deps.sessions.verify(id)
    if (!s) return null
    const settings = await deps.store.settings(s.tenant_id)
    if (!settings) return null
    return {
      kind: 'session',
      tenantId: s.tenant_id,
      role: s.role,
      subject: s.user_id,
      email: s.email,
      limits: { write: settings.writeLimit, read: settings.readLimit, subject: null },
      signingSecret: settings.signingSecret,
    }
  }

  async function byJwt(token: string): Promise<Principal | null> {
    if (!deps.jwt || !looksLikeJwt(token)) return null
    const claims = await deps.jwt(token)
    if (!claims) return null
    const settings = await deps.store.settings(claims.tenant_id)
    if (!settings) return null
    return {
      kind: 'jwt',
      tenantId: claims.tenant_id,
      role: claims.role,
      subject: claims.sub,
      limits: { write: settings.writeLimit, read: settings.readLimit, subject: null },
      signingSecret: settings.signingSecret,
    }
  }

  return {
    /** Drops a key's cached row (after revoking it here, or when told another instance did). */
    forgetApiKey(id: string): void {
      keyRows.delete(id)
    },

    async authenticate(creds: Credentials): Promise<Principal | null> {
      if (creds.apiKey !== undefined) return byApiKey(creds.apiKey)
      if (creds.bearer !== undefined) return parseApiKey(creds.bearer) ? byApiKey(creds.bearer) : byJwt(creds.bearer)
      if (creds.sessionId !== undefined) return bySession(creds.sessionId)
      return null
    },

    /** Checks an email and password; the same work is done for an unknown email as for a known one. */
    async login(email: string, password: string): Promise<AuthUser | null> {
      const user = await deps.store.userByEmail(email)
      const ok = await verifyPassword(password, user?.password_hash ?? DUMMY_PASSWORD_HASH)
      if (!user || !ok || user.password_hash === null || user.disabled_at !== null) return null
      await deps.store.touchLogin(user.tenant_id, user.id)
      return { id: user.id, email: user.email, role: user.role, tenant_id: user.tenant_id }
    },
  }
}
export type Authenticator = ReturnType<typeof makeAuthenticator>
