import type { FastifyInstance } from 'fastify'
import { JobIdParams, parseEvent, ResultsQuery, type JobPending } from '@zixly/contracts'
import { lastOnSubject, NotFound, ValidationError } from '@zixly/platform'
import { fieldErrors } from '../problem.ts'
import type { IngestDeps } from '../app.ts'

export function jobRoutes(app: FastifyInstance, deps: IngestDeps) {
  const jobId = (params: unknown) => {
    const p = JobIdParams.safeParse(params)
    if (!p.success) throw new NotFound('no such job')
    return p.data.id
  }

  app.get('/webhook/jobs/:id', { config: { permission: 'jobs:read' } }, async (req, reply) => {
    const id = jobId(req.params)
    const tenantId = deps.tenantOf(req)
    const view = await deps.readModel.job(tenantId, id)
    if (view) return reply.send(view)
    // Accepted but not yet projected (the projector is a few milliseconds behind): say so, not 404.
    const last = await lastOnSubject(deps.jsm, deps.names.eventsStream, deps.names.eventSubject(tenantId, id))
    if (last && parseEvent(last.data).metadata.tenantId === tenantId)
      return reply.code(202).header('retry-after', '1').send({ job_id: id, status: 'QUEUED', projected: false } satisfies JobPending)
    throw new NotFound(`no job ${id}`)
  })

  app.get('/webhook/jobs/:id/results', { config: { permission: 'jobs:read' } }, async (req, reply) => {
    const id = jobId(req.params)
    const q = ResultsQuery.safeParse(req.query)
    if (!q.success) throw new ValidationError('invalid results query', fieldErrors(q.error))
    const page = await deps.readModel.results(deps.tenantOf(req), id, q.data)
    if (!page) throw new NotFound(`no job ${id}`)
    return reply.send(page)
  })
}
