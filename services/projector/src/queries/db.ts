import type { StatusCounts } from '@zixly/contracts'

/** A pool or a checked-out client: the queries only need `query`. */
export interface Queryable {
  query<R extends Record<string, unknown> = Record<string, unknown>>(
    text: string,
    values?: unknown[],
  ): Promise<{ rows: R[]; rowCount: number | null }>
}

export const iso = (v: Date | null): string | null => (v === null ? null : v.toISOString())

export const msBetween = (from: Date | null, to: Date | null): number | null =>
  from === null || to === null ? null : to.getTime() - from.getTime()

export const pct = (done: number, total: number): number => (total > 0 ? Math.round((done / total) * 1000) / 10 : 0)

export const STATUSES = ['QUEUED', 'RUNNING', 'RETRYING', 'COMPLETED', 'FAILED', 'CANCELLED'] as const

/** Every status with its count (0 for the missing ones). */
export function statusCounts(rows: Array<{ status: string; n: string | number }>): { total: number; by_status: StatusCounts } {
  const by = Object.fromEntries(STATUSES.map((s) => [s, 0])) as StatusCounts
  let total = 0
  for (const r of rows) {
    const n = Number(r.n)
    if (r.status in by) by[r.status as keyof StatusCounts] = n
    total += n
  }
  return { total, by_status: by }
}
