import { randomUUID } from 'node:crypto'
import {
  ApiKeyView,
  UserView,
  type ApiKeyCreated,
  type CreateApiKeyBody,
  type CreateUserBody,
  type Role,
  type TenantSettingsView,
  type UpdateTenantSettingsBody,
  type UpdateUserBody,
} from '@zixly/contracts'
import { Conflict, withTenant, type Pool, type PoolClient } from '@zixly/platform'
import { generateApiKey, hashApiKey, parseApiKey, randomSecret } from './keys.ts'
import { hashPassword } from './passwords.ts'
import { DEFAULT_READ_LIMIT, DEFAULT_WRITE_LIMIT } from './rate-limit.ts'

const iso = (d: unknown): string | null => (d instanceof Date ? d.toISOString() : null)
const KEY_COLUMNS = 'id, name, role, rate_limit_per_minute, created_at, last_used_at, revoked_at'
const USER_COLUMNS = 'id, email, role, created_at, last_login_at, disabled_at'

function keyView(row: Record<string, unknown>): ApiKeyView {
  return ApiKeyView.parse({ ...row, created_at: iso(row.created_at), last_used_at: iso(row.last_used_at), revoked_at: iso(row.revoked_at) })
}
function userView(row: Record<string, unknown>): UserView {
  return UserView.parse({
    ...row,
    id: String(row.id),
    created_at: iso(row.created_at),
    last_login_at: iso(row.last_login_at),
    disabled_at: iso(row.disabled_at),
  })
}

/** Postgres' unique violation, turned into a 409 with a stable code. */
function uniqueAsConflict(message: string, code: string) {
  return (err: unknown) => {
    if ((err as { code?: unknown }).code === '23505') throw new Conflict(message, code)
    throw err
  }
}

/**
 * Management of tenants, users, keys and settings. Every call runs under the tenant's row-level
 * security (withTenant), so an admin of one tenant cannot reach another's rows even by id.
 */
export function makeAdmin(pool: Pool) {
  const tx = <T>(tenantId: string, fn: (c: PoolClient) => Promise<T>) => withTenant(pool, tenantId, fn)
  return {
    /** Creates a tenant (and its settings row) unless it exists; answers whether it was new. */
    async ensureTenant(tenantId: string, name: string): Promise<boolean> {
      return tx(tenantId, async (c) => {
        const r = await c.query(`INSERT INTO tenants (id, name) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING`, [tenantId, name])
        await c.query(`INSERT INTO tenant_settings (tenant_id) VALUES ($1) ON CONFLICT (tenant_id) DO NOTHING`, [tenantId])
        return r.rowCount === 1
      })
    },

    async settings(tenantId: string): Promise<TenantSettingsView> {
      const r = await tx(tenantId, (c) => c.query(`SELECT * FROM tenant_settings WHERE tenant_id = $1`, [tenantId]))
      const row = r.rows[0] as { rate_limit_per_minute: number; read_rate_limit_per_minute: number; signing_secret: string | null } | undefined
      return {
        tenant_id: tenantId,
        rate_limit_per_minute: row?.rate_limit_per_minute ?? DEFAULT_WRITE_LIMIT,
        read_rate_limit_per_minute: row?.read_rate_limit_per_minute ?? DEFAULT_READ_LIMIT,
        signatures_required: Boolean(row?.signing_secret),
      }
    },

    /** Changes settings; a rotated signing secret is answered here once and never again. */
    async updateSettings(tenantId: string, patch: UpdateTenantSettingsBody & { signing_secret_value?: string }) {
      const secret =
        patch.signing_secret === 'rotate' ? (patch.signing_secret_value ?? randomSecret()) : patch.signing_secret === 'remove' ? null : undefined
      await tx(tenantId, (c) =>
        c.query(
          `INSERT INTO tenant_settings (tenant_id, rate_limit_per_minute, read_rate_limit_per_minute, signing_secret)
           VALUES ($1, coalesce($2, ${DEFAULT_WRITE_LIMIT}), coalesce($3, ${DEFAULT_READ_LIMIT}), $4)
           ON CONFLICT (tenant_id) DO UPDATE SET
             rate_limit_per_minute = coalesce($2, tenant_settings.rate_limit_per_minute),
             read_rate_limit_per_minute = coalesce($3, tenant_settings.read_rate_limit_per_minute),
             signing_secret = CASE WHEN $5 THEN $4 ELSE tenant_settings.signing_secret END,
             updated_at = now()`,
          [tenantId, patch.rate_limit_per_minute ?? null, patch.read_rate_limit_per_minute ?? null, secret ?? null, secret !== undefined],
        ),
      )
      return { settings: await this.settings(tenantId), ...(secret ? { signing_secret: secret } : {}) }
    },

    async createUser(tenantId: string, body: CreateUserBody & { id?: string }): Promise<UserView> {
      const hash = await hashPassword(body.password)
      const r = await tx(tenantId, (c) =>
        c.query(
          `INSERT INTO users (id, tenant_id, email, role, password_hash) VALUES ($1, $2, $3, $4, $5) RETURNING ${USER_COLUMNS}`,
          [body.id ?? randomUUID(), tenantId, body.email.toLowerCase(), body.role, hash],
        ),
      ).catch(uniqueAsConflict('a user with this email exists', 'USER_EXISTS'))
      return userView(r.rows[0] as Record<string, unknown>)
    },

    async listUsers(tenantId: string): Promise<UserView[]> {
      const r = await tx(tenantId, (c) => c.query(`SELECT ${USER_COLUMNS} FROM users ORDER BY created_at, email`))
      return r.rows.map((row) => userView(row as Record<string, unknown>))
    },

    /** Updates a user; null when the tenant has no such user. */
    async updateUser(tenantId: string, userId: string, patch: UpdateUserBody): Promise<UserView | null> {
      const hash = patch.password === undefined ? null : await hashPassword(patch.password)
      const r = await tx(tenantId, (c) =>
        c.query(
          `UPDATE users SET role = coalesce($2, role), password_hash = coalesce($3, password_hash),
             disabled_at = CASE WHEN $4::boolean IS NULL THEN disabled_at WHEN $4 THEN coalesce(disabled_at, now()) ELSE NULL END
           WHERE id = $1 RETURNING ${USER_COLUMNS}`,
          [userId, patch.role ?? null, hash, patch.disabled ?? null],
        ),
      )
      return r.rows[0] ? userView(r.rows[0] as Record<string, unknown>) : null
    },

    async deleteUser(tenantId: string, userId: string): Promise<boolean> {
      const r = await tx(tenantId, (c) => c.query(`DELETE FROM users WHERE id = $1`, [userId]))
      return r.rowCount === 1
    },

    /**
     * A new key; the answer is the only place the key itself ever appears. `given` re-registers a key
     * that exists elsewhere (bootstrap restoring `.zixly/credentials.json` into a fresh database).
     */
    async createApiKey(tenantId: string, body: CreateApiKeyBody & { createdBy?: string }, given?: string): Promise<ApiKeyCreated> {
      const parsed = given === undefined ? null : parseApiKey(given)
      if (given !== undefined && !parsed) throw new Error('not an API key')
      const k = parsed && given ? { id: parsed.id, key: given } : generateApiKey()
      const id = k.id
      const r = await tx(tenantId, (c) =>
        c.query(
          `INSERT INTO api_keys (id, tenant_id, name, role, key_hash, rate_limit_per_minute, created_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${KEY_COLUMNS}`,
          [id, tenantId, body.name, body.role satisfies Role, hashApiKey(k.key), body.rate_limit_per_minute ?? null, body.createdBy ?? null],
        ),
      ).catch(uniqueAsConflict('this key exists', 'API_KEY_EXISTS'))
      return { ...keyView(r.rows[0] as Record<string, unknown>), key: k.key }
    },

    async listApiKeys(tenantId: string): Promise<ApiKeyView[]> {
      const r = await tx(tenantId, (c) => c.query(`SELECT ${KEY_COLUMNS} FROM api_keys ORDER BY created_at DESC, id`))
      return r.rows.map((row) => keyView(row as Record<string, unknown>))
    },

    /** Revokes a key: at once on the instance that revokes it, within `apiKeyCacheMs` (2 s) on others; null when unknown. */
    async revokeApiKey(tenantId: string, id: string): Promise<ApiKeyView | null> {
      const r = await tx(tenantId, (c) =>
        c.query(`UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 RETURNING ${KEY_COLUMNS}`, [id]),
      )
      return r.rows[0] ? keyView(r.rows[0] as Record<string, unknown>) : null
    },
  }
}
export type Admin = ReturnType<typeof makeAdmin>
