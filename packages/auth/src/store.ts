import { ApiKeyRecord, UserRecord } from '@zixly/contracts'
import { withTenant, type Pool } from '@zixly/platform'
import { z } from 'zod'
import { DEFAULT_READ_LIMIT, DEFAULT_WRITE_LIMIT } from './rate-limit.ts'

/** A tenant's effective security settings (defaults filled in). */
export interface TenantSettings {
  tenantId: string
  writeLimit: number
  readLimit: number
  signingSecret: string | null
}

const SettingsRow = z.object({
  disabled_at: z.date().nullable(),
  rate_limit_per_minute: z.number().int().nullable(),
  read_rate_limit_per_minute: z.number().int().nullable(),
  signing_secret: z.string().nullable(),
})

/** The lookups authentication needs on every request. */
export function makeAuthStore(pool: Pool, opts: { settingsTtlMs?: number; now?: () => number } = {}) {
  const ttl = opts.settingsTtlMs ?? 5000
  const now = opts.now ?? Date.now
  // Settings change rarely and are read on every session request: a few seconds of cache is fine;
  // this instance's own updates clear it at once.
  const cache = new Map<string, { at: number; value: TenantSettings | null }>()

  return {
    /**
     * The key with this id, whichever tenant holds it. One of the two lookups that must cross tenants:
     * a SECURITY DEFINER function answering one row by its exact id, whatever role calls it (so it
     * is one round trip, without a withTenant transaction around it).
     */
    async apiKey(id: string): Promise<ApiKeyRecord | null> {
      const r = await pool.query('SELECT * FROM auth_api_key($1)', [id])
      return r.rows[0] ? ApiKeyRecord.parse(r.rows[0]) : null
    },

    /** Records that a key was used, at most once a minute per key (not a write per request). */
    async touchApiKey(tenantId: string, id: string): Promise<void> {
      await withTenant(pool, tenantId, (c) =>
        c.query(
          `UPDATE api_keys SET last_used_at = now()
           WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '60 seconds')`,
          [id],
        ),
      )
    },

    /** The user with this email, whichever tenant holds them (the other cross-tenant lookup). */
    async userByEmail(email: string): Promise<UserRecord | null> {
      const r = await pool.query('SELECT * FROM auth_user_by_email($1)', [email])
      return r.rows[0] ? UserRecord.parse({ ...r.rows[0], id: String((r.rows[0] as { id: unknown }).id) }) : null
    },

    async touchLogin(tenantId: string, userId: string): Promise<void> {
      await withTenant(pool, tenantId, (c) => c.query(`UPDATE users SET last_login_at = now() WHERE id = $1`, [userId]))
    },

    /** The tenant's settings, or null when the tenant does not exist or is disabled. */
    async settings(tenantId: string): Promise<TenantSettings | null> {
      const hit = cache.get(tenantId)
      if (hit && now() - hit.at < ttl) return hit.value
      const r = await withTenant(pool, tenantId, (c) =>
        c.query(
          `SELECT t.disabled_at, s.rate_limit_per_minute, s.read_rate_limit_per_minute, s.signing_secret
           FROM tenants t LEFT JOIN tenant_settings s ON s.tenant_id = t.id WHERE t.id = $1`,
          [tenantId],
        ),
      )
      const row = r.rows[0] ? SettingsRow.parse(r.rows[0]) : null
      const value =
        row && row.disabled_at === null
          ? {
              tenantId,
              writeLimit: row.rate_limit_per_minute ?? DEFAULT_WRITE_LIMIT,
              readLimit: row.read_rate_limit_per_minute ?? DEFAULT_READ_LIMIT,
              signingSecret: row.signing_secret,
            }
          : null
      if (cache.size > 10_000) cache.clear()
      cache.set(tenantId, { at: now(), value })
      return value
    },

    forget(tenantId: string): void {
      cache.delete(tenantId)
    },
  }
}
export type AuthStore = ReturnType<typeof makeAuthStore>
