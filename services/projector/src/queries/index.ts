import type { Pool } from '@zixly/platform'
import { resultsCsv } from './csv.ts'
import { jobDetail, jobExists, resultsPage } from './detail.ts'
import { countJobs, jobsChangedSince, listJobs } from './jobs.ts'
import { tenantStats } from './stats.ts'
import { jobTimeline } from './timeline.ts'

export { resultsCsv, csvLine, csvField, RESULTS_CSV_HEADER } from './csv.ts'
export { jobDetail, jobExists, resultsPage } from './detail.ts'
export { countJobs, jobsChangedSince, listJobs, encodeCursor } from './jobs.ts'
export { tenantStats } from './stats.ts'
export { jobTimeline } from './timeline.ts'
export type { Queryable } from './db.ts'

/**
 * Every read query bound to one pool. Each takes the tenant first: no query reads across tenants.
 * (The functions are also exported on their own, taking a pool or a client first.)
 */
export function readQueries(pool: Pool) {
  return {
    listJobs: (tenantId: string, q?: Parameters<typeof listJobs>[2]) => listJobs(pool, tenantId, q),
    countJobs: (tenantId: string, q?: Parameters<typeof countJobs>[2]) => countJobs(pool, tenantId, q),
    jobsChangedSince: (tenantId: string, since: number, limit?: number) => jobsChangedSince(pool, tenantId, since, limit),
    jobDetail: (tenantId: string, jobId: string) => jobDetail(pool, tenantId, jobId),
    jobExists: (tenantId: string, jobId: string) => jobExists(pool, tenantId, jobId),
    resultsPage: (tenantId: string, jobId: string, q?: Parameters<typeof resultsPage>[3]) => resultsPage(pool, tenantId, jobId, q),
    resultsCsv: (tenantId: string, jobId: string, q?: Parameters<typeof resultsCsv>[3]) => resultsCsv(pool, tenantId, jobId, q),
    jobTimeline: (tenantId: string, jobId: string) => jobTimeline(pool, tenantId, jobId),
    tenantStats: (tenantId: string, now?: Date) => tenantStats(pool, tenantId, now),
  }
}
export type ReadQueries = ReturnType<typeof readQueries>
