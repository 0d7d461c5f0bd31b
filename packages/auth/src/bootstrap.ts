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
  const credentials: LocalCredentials =
    kept.success && kept.data.tenant_id === tenantId && parseApiKey(kept.data.api_key)
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
  if ((await store.settings(tenantId))?.signingSecret == null) {
    await admin.updateSettings(tenantId, { signing_secret: 'rotate', signing_secret_value: credentials.signing_secret })
    created.push('signing secret')
  }
  if (!(await store.apiKey(parseApiKey(credentials.api_key)!.id))) {
    await admin.createApiKey(tenantId, { name: 'local (npm start)', role: 'EDITOR' }, credentials.api_key)
    created.push('API key')
  }
  if (!(await store.userByEmail(credentials.admin_email))) {
    await admin.createUser(tenantId, { email: credentials.admin_email, password: credentials.admin_password, role: 'ADMIN' })
    created.push('admin user')
  }
  return { credentials, created }
}
