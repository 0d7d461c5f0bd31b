import type { DeadLettersQuery, JobsQueryInput, ResultsCsvQuery, ResultsQuery } from '@zixly/contracts'
import { APP_ROLE, withTenant, type Pool } from '@zixly/platform'
import { countJobs, jobDetail, jobsChangedSince, jobTimeline, listJobs, resultsCsv, resultsPage, tenantStats } from '@zixly/projector'
import type { z } from 'zod'
import { deadLetter, deadLetters } from './dead-letters.ts'

/**
 * The read queries (from @zixly/projector's queries module) as ingest runs them: each inside
 * withTenant, as the application role, so row-level security holds even if a query forgot its
 * tenant filter. The CSV export streams through its own cursor, in a transaction set up the same way.
 */
export function readModel(db: Pool) {
  return {
    job: (tenantId: string, jobId: string) => withTenant(db, tenantId, (c) => jobDetail(c, tenantId, jobId)),
    results: (tenantId: string, jobId: string, q: ResultsQuery) => withTenant(db, tenantId, (c) => resultsPage(c, tenantId, jobId, q)),
    listJobs: (tenantId: string, q: JobsQueryInput) => withTenant(db, tenantId, (c) => listJobs(c, tenantId, q)),
    countJobs: (tenantId: string, q: Parameters<typeof countJobs>[2]) => withTenant(db, tenantId, (c) => countJobs(c, tenantId, q)),
    timeline: (tenantId: string, jobId: string) => withTenant(db, tenantId, (c) => jobTimeline(c, tenantId, jobId)),
    stats: (tenantId: string, now?: Date) => withTenant(db, tenantId, (c) => tenantStats(c, tenantId, now)),
    changedSince: (tenantId: string, since: number, limit?: number) => withTenant(db, tenantId, (c) => jobsChangedSince(c, tenantId, since, limit)),
    resultsCsv: (tenantId: string, jobId: string, q: z.input<typeof ResultsCsvQuery>) => resultsCsv(db, tenantId, jobId, q, 1000, { role: APP_ROLE }),
    deadLetters: (tenantId: string, q: DeadLettersQuery) => withTenant(db, tenantId, (c) => deadLetters(c, tenantId, q)),
    deadLetter: (tenantId: string, id: string) => withTenant(db, tenantId, (c) => deadLetter(c, tenantId, id)),
  }
}
export type ReadModel = ReturnType<typeof readModel>
