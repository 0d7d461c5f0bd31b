import { LocalCredentials } from '@zixly/contracts'
import type { Pool } from '@zixly/platform'
import { makeAdmin } from './admin.ts'
import { generateApiKey, parseApiKey, randomSecret } from './keys.ts'
import { makeAuthStore } from './store.ts'

export const LOCAL_ADMIN_EMAIL = 'admin@zixly.local'

/**
 * First run of a local installation: the tenant (with a webhook signing secret), an ADMIN user and an
 * EDITOR API key. `existing` is what `.zixly/credentials.json` already holds: those values are kept
 * and put back into a database that lost them (a reset schema), so the file stays the truth.
 * Answers the credentials to write and what had to be created.
 */
export async function bootstrapLocal(
  pool: Pool,
  tenantId: string,
  existing: unknown,
): Promise<{ credentials: LocalCredentials; created: string[] }> {
  const admin = makeAdmin(pool)
  const store = makeAuthStore(pool, { settingsTtlMs: 0 })
  const kept = LocalCredentials.safeParse(existing)
  const keptFile = kept.success && kept.data.tenant_id === tenantId && parseApiKey(kept.data.api_key) !== null
  const credentials: LocalCredentials =
    kept.success && keptFile
      ? kept.data
      : {
          tenant_id: tenantId,
          api_key: generateApiKey().key,
          signing_secret: `whsec_${randomSecret()}`,
          admin_email: LOCAL_ADMIN_EMAIL,
          admin_password: randomSecret(18),
        }
  const created: string[] = []
  if (await admin.ensureTenant(tenantId, tenantId === 'local' ? 'Local' : tenantId)) created.push('tenant')
  // Without the file (a fresh checkout against an existing database) the database's secret and
  // password are unknown to us: set the new ones, so the file written now is the truth again.
  if (!keptFile || (await store.settings(tenantId))?.signingSecret == null) {
    await admin.updateSettings(tenantId, { signing_secret: 'rotate', signing_secret_value: credentials.signing_secret })
    created.push('signing secret')
  }
  if (!(await store.apiKey(parseApiKey(credentials.api_key)!.id))) {
    await admin.createApiKey(tenantId, { name: 'local (npm start)', role: 'EDITOR' }, credentials.api_key)
    created.push('API key')
  }
  const user = await store.userByEmail(credentials.admin_email)
  if (!user) {
    await admin.createUser(tenantId, { email: credentials.admin_email, password: credentials.admin_password, role: 'ADMIN' })
    created.push('admin user')
  } else if (!keptFile) {
    await admin.updateUser(tenantId, user.id, { password: credentials.admin_password })
    created.push('admin password')
  }
  return { credentials, created }
}
