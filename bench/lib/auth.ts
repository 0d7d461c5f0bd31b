import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { Pool } from '@zixly/platform'
import { ROOT } from './output.ts'

/** The highest per-minute limit the tenant settings accept: far above what one ingest can serve. */
export const UNBINDING_RATE_LIMIT = 1_000_000

interface AdminLike {
  ensureTenant(tenantId: string, name: string): Promise<unknown>
  updateSettings(tenantId: string, patch: Record<string, unknown>): Promise<unknown>
  createApiKey(tenantId: string, body: Record<string, unknown>): Promise<{ key: string }>
}

/**
 * Creates the bench tenant and an EDITOR API key in the run's own schema, with rate limits set high
 * enough never to bind (the limiter still runs on every request). Returns null while the auth package
 * has not landed, so the benches run before and after it.
 */
export async function bootstrapApiKey(pool: Pool, tenantId: string): Promise<{ apiKey: string } | null> {
  const entry = join(ROOT, 'packages', 'auth', 'src', 'index.ts')
  if (!existsSync(entry)) return null
  const mod = (await import(entry)) as { makeAdmin?: (pool: Pool) => AdminLike }
  if (typeof mod.makeAdmin !== 'function') return null
  const admin = mod.makeAdmin(pool)
  await admin.ensureTenant(tenantId, 'bench')
  await admin.updateSettings(tenantId, {
    rate_limit_per_minute: UNBINDING_RATE_LIMIT,
    read_rate_limit_per_minute: UNBINDING_RATE_LIMIT,
  })
  const key = await admin.createApiKey(tenantId, { name: 'bench', role: 'EDITOR', rate_limit_per_minute: UNBINDING_RATE_LIMIT })
  return { apiKey: key.key }
}

/** What ingest enforces, as seen from outside: a keyless request refused, and RateLimit headers. */
export async function probeSecurity(
  ingestUrl: string,
  headers: Record<string, string>,
  body: unknown,
): Promise<{ auth: boolean; rateLimit: boolean }> {
  const post = (h: Record<string, string>) =>
    fetch(`${ingestUrl}/webhook/trading-sweep`, { method: 'POST', headers: { 'content-type': 'application/json', ...h }, body: JSON.stringify(body) })
  const anonymous = await post({})
  await anonymous.arrayBuffer()
  const keyed = await post(headers)
  await keyed.arrayBuffer()
  if (keyed.status !== 202) throw new Error(`ingest refused the bench's request: ${keyed.status}`)
  const rateLimit = [...keyed.headers.keys()].some((h) => h.toLowerCase().startsWith('ratelimit') || h.toLowerCase().startsWith('x-ratelimit'))
  return { auth: anonymous.status === 401, rateLimit }
}
