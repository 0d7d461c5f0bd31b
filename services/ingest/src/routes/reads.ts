import { Readable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import { JobChangesQuery, JobCountsQuery, JobIdParams, JobsQuery, ResultsCsvQuery } from '@zixly/contracts'
import { NotFound, ValidationError } from '@zixly/platform'
import type { z } from 'zod'
import { fieldErrors } from '../problem.ts'
import type { IngestDeps } from '../app.ts'

/** The dashboard's and scripts' read API: job lists, counts, timelines, stats and the CSV export. */
export function readRoutes(app: FastifyInstance, deps: IngestDeps) {
  const parse = <S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> => {
    const r = schema.safeParse(value)
    if (!r.success) throw new ValidationError(`invalid ${what}`, fieldErrors(r.error))
    return r.data
  }
  const jobId = (params: unknown) => {
    const p = JobIdParams.safeParse(params)
    if (!p.success) throw new NotFound('no such job')
    return p.data.id
  }
  const read = { config: { permission: 'jobs:read' } } as const

  app.get('/api/jobs', read, async (req) => deps.readModel.listJobs(deps.tenantOf(req), parse(JobsQuery, req.query, 'jobs query')))

  // SSE resume: the tenant's jobs whose read model changed after checkpoint `since` (a change notice's).
  app.get('/api/jobs/changes', read, async (req) => {
    const q = parse(JobChangesQuery, req.query, 'changes query')
    return deps.readModel.changedSince(deps.tenantOf(req), q.since, q.limit)
  })

  app.get('/api/jobs/counts', read, async (req) => deps.readModel.countJobs(deps.tenantOf(req), parse(JobCountsQuery, req.query, 'counts query')))

  app.get('/api/jobs/:id/timeline', read, async (req) => {
    const id = jobId(req.params)
    const t = await deps.readModel.timeline(deps.tenantOf(req), id)
    if (!t) throw new NotFound(`no job ${id}`)
    return t
  })

  app.get('/api/stats', read, async (req) => deps.readModel.stats(deps.tenantOf(req), deps.now()))

  // Streamed through a database cursor: a 100,000-row sweep is never held in memory.
  app.get('/webhook/jobs/:id/results.csv', read, async (req, reply) => {
    const id = jobId(req.params)
    const q = parse(ResultsCsvQuery, req.query, 'export query')
    const csv = await deps.readModel.resultsCsv(deps.tenantOf(req), id, q)
    if (!csv) throw new NotFound(`no job ${id}`)
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="zixly-${id}-results.csv"`)
      .send(Readable.from(csv))
  })
}
