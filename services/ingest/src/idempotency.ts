import type { Redis } from '@zixly/platform'
import { sha256 } from '@zixly/platform'
import { z } from 'zod'

/** What ingest remembers of a request made with an Idempotency-Key. */
export const IdempotencyRecord = z.object({
  job_id: z.uuid(),
  params_hash: z.string(),
  created_at: z.string(),
})
export type IdempotencyRecord = z.infer<typeof IdempotencyRecord>

/** Idempotency records in Redis, one per tenant and key, kept for `ttlSeconds`. */
export function idempotencyStore(redis: Redis, namespace: string, ttlSeconds: number) {
  const keyOf = (tenantId: string, key: string) => `zixly:${namespace}:idem:${tenantId}:${sha256(key)}`
  return {
    async get(tenantId: string, key: string): Promise<IdempotencyRecord | null> {
      const raw = await redis.get(keyOf(tenantId, key))
      if (raw === null) return null
      const parsed = IdempotencyRecord.safeParse(JSON.parse(raw))
      return parsed.success ? parsed.data : null
    },
    /** Stores the record unless one exists; returns the record that is now stored. */
    async put(tenantId: string, key: string, record: IdempotencyRecord): Promise<IdempotencyRecord> {
      const k = keyOf(tenantId, key)
      const ok = await redis.set(k, JSON.stringify(record), 'EX', ttlSeconds, 'NX')
      if (ok === 'OK') return record
      return (await this.get(tenantId, key)) ?? record
    },
  }
}
export type IdempotencyStore = ReturnType<typeof idempotencyStore>
