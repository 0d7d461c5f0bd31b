import { DeadLetterView, type DeadLettersPage, type DeadLettersQuery } from '@zixly/contracts'
import type { PoolClient } from '@zixly/platform'
import { z } from 'zod'

const Row = z.object({
  id: z.string(),
  seq: z.coerce.number(),
  tenant_id: z.string(),
  source: z.string(),
  job_id: z.string().nullable(),
  attempts: z.number().nullable(),
  reason: z.string(),
  errors: z.array(z.unknown()),
  subject: z.string().nullable(),
  stream_seq: z.coerce.number().nullable(),
  payload: z.string().nullable(),
  created_at: z.date(),
  resolved_at: z.date().nullable(),
  total_count: z.coerce.number(),
})

/** A page of a tenant's dead letters, newest first (the `dead_letters` read model). */
export async function deadLetters(
  c: PoolClient,
  tenantId: string,
  q: DeadLettersQuery,
): Promise<DeadLettersPage> {
  const r = await c.query(
    `SELECT d.*, count(*) OVER () AS total_count FROM dead_letters d
     WHERE d.tenant_id = $1 AND ($2::text IS NULL OR d.source = $2) AND ($3::uuid IS NULL OR d.job_id = $3)
       AND ($4 = 'all' OR d.resolved_at IS NULL)
     ORDER BY d.seq DESC LIMIT $5 OFFSET $6`,
    [tenantId, q.source ?? null, q.job_id ?? null, q.state, q.limit, q.offset],
  )
  const rows = r.rows.map((x) => Row.parse(x))
  return {
    total_count: rows[0]?.total_count ?? 0,
    returned_count: rows.length,
    offset: q.offset,
    limit: q.limit,
    dead_letters: rows.map((row) =>
      DeadLetterView.parse({
        ...row,
        total_count: undefined,
        created_at: row.created_at.toISOString(),
        resolved_at: row.resolved_at?.toISOString() ?? null,
      }),
    ),
  }
}

/** One dead letter of a tenant, or null. */
export async function deadLetter(
  c: PoolClient,
  tenantId: string,
  id: string,
): Promise<DeadLetterView | null> {
  const r = await c.query(
    `SELECT d.*, 0 AS total_count FROM dead_letters d WHERE d.tenant_id = $1 AND d.id = $2`,
    [tenantId, id],
  )
  const row = r.rows[0] ? Row.parse(r.rows[0]) : null
  if (!row) return null
  return DeadLetterView.parse({
    ...row,
    total_count: undefined,
    created_at: row.created_at.toISOString(),
    resolved_at: row.resolved_at?.toISOString() ?? null,
  })
}
