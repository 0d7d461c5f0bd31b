import type { FastifyInstance, FastifyRequest } from 'fastify'
import {
  BulkRetryBody,
  DeadLetterIdParams,
  DeadLettersQuery,
  DispatchControlBody,
  JobActionBody,
  JobIdParams,
  type BulkRetryResult,
  type JobActionAccepted,
} from '@zixly/contracts'
import { Conflict, Forbidden, NotFound, ValidationError } from '@zixly/platform'
import type { z } from 'zod'
import { controlLog } from '../control-log.ts'
import { principalOf } from '../plugins/index.ts'
import { fieldErrors } from '../problem.ts'
import type { IngestDeps } from '../app.ts'

/** Appends a bulk retry makes at once (each a guarded append of its own). */
const BULK_CONCURRENCY = 16

/**
 * Orchestration control: cancel and retry a job, retry every job matching a filter, list and redrive
 * dead letters, pause and resume dispatch. Each action is an event appended to the log (guarded by
 * the job's last sequence); the orchestrator and the executors act on it from there.
 */
export function controlRoutes(app: FastifyInstance, deps: IngestDeps) {
  const log = controlLog(deps)
  const parse = <S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> => {
    const r = schema.safeParse(value ?? {})
    if (!r.success) throw new ValidationError(`invalid ${what}`, fieldErrors(r.error))
    return r.data
  }
  const jobId = (params: unknown) => {
    const p = JobIdParams.safeParse(params)
    if (!p.success) throw new NotFound('no such job')
    return p.data.id
  }
  const actor = (req: FastifyRequest) => {
    const p = principalOf(req)
    return { tenantId: p.tenantId, by: `${p.kind}:${p.subject}`, cause: req.id }
  }
  const accepted = (
    id: string,
    action: 'cancel' | 'retry',
    r: { status: JobActionAccepted['status']; unchanged: boolean },
  ): JobActionAccepted => ({
    job_id: id,
    action,
    ...r,
  })

  app.post('/api/jobs/:id/cancel', { config: { permission: 'jobs:cancel' } }, async (req, reply) => {
    const id = jobId(req.params)
    const body = parse(JobActionBody, req.body, 'cancel request')
    const a = actor(req)
    const r = await log.cancel(a.tenantId, id, { reason: body.reason, by: a.by, cause: a.cause })
    return reply.code(r.unchanged ? 200 : 202).send(accepted(id, 'cancel', r))
  })

  app.post('/api/jobs/:id/retry', { config: { permission: 'jobs:retry' } }, async (req, reply) => {
    const id = jobId(req.params)
    const body = parse(JobActionBody, req.body, 'retry request')
    const a = actor(req)
    const r = await log.retry(a.tenantId, id, { reason: body.reason, by: a.by, cause: a.cause })
    return reply.code(202).send(accepted(id, 'retry', r))
  })

  // Bulk retry: the read model lists the matching finished jobs; each is then retried against the log,
  // so a job that moved on since the read model saw it (already retried, say) is skipped, not retried twice.
  app.post('/api/jobs/retry', { config: { permission: 'jobs:retry' } }, async (req, reply) => {
    const body = parse(BulkRetryBody, req.body, 'bulk retry filter')
    const a = actor(req)
    const ids: string[] = []
    let cursor: string | undefined
    do {
      const page = await deps.readModel.listJobs(a.tenantId, {
        status: body.status,
        limit: Math.min(500, body.limit - ids.length),
        ...(body.ticker === undefined ? {} : { ticker: body.ticker }),
        ...(body.strategy === undefined ? {} : { strategy: body.strategy }),
        ...(body.created_from === undefined ? {} : { created_from: body.created_from }),
        ...(body.created_to === undefined ? {} : { created_to: body.created_to }),
        ...(cursor === undefined ? {} : { cursor }),
      })
      ids.push(...page.jobs.map((j) => j.job_id))
      cursor = page.next_cursor ?? undefined
    } while (cursor !== undefined && ids.length < body.limit)

    const retried: string[] = []
    let next = 0
    const worker = async () => {
      while (next < ids.length) {
        const id = ids[next++]!
        try {
          await log.retry(a.tenantId, id, { reason: body.reason ?? 'bulk retry', by: a.by, cause: a.cause })
          retried.push(id)
        } catch (err) {
          if (!(err instanceof Conflict || err instanceof NotFound)) throw err
        }
      }
    }
    await Promise.all(Array.from({ length: Math.min(BULK_CONCURRENCY, ids.length) }, worker))
    const result: BulkRetryResult = {
      matched: ids.length,
      retried: retried.length,
      skipped: ids.length - retried.length,
      job_ids: retried,
    }
    return reply.code(202).send(result)
  })

  app.get('/api/dead-letters', { config: { permission: 'deadletters:read' } }, async (req) =>
    deps.readModel.deadLetters(
      principalOf(req).tenantId,
      parse(DeadLettersQuery, req.query, 'dead-letters query'),
    ),
  )

  // Redriving a dead letter runs its job again (a new attempt chain); a message that names no job
  // cannot be redriven (its payload is in the record, to fix and resend by hand).
  app.post(
    '/api/dead-letters/:id/redrive',
    { config: { permission: 'deadletters:redrive' } },
    async (req, reply) => {
      const p = DeadLetterIdParams.safeParse(req.params)
      if (!p.success) throw new NotFound('no such dead letter')
      const a = actor(req)
      const dl = await deps.readModel.deadLetter(a.tenantId, p.data.id)
      if (!dl) throw new NotFound(`no dead letter ${p.data.id}`)
      if (dl.job_id === null)
        throw new Conflict('this dead letter names no job to run again', 'NOT_REDRIVABLE')
      const r = await log.retry(a.tenantId, dl.job_id, {
        reason: `redrive of dead letter ${dl.id}`,
        by: a.by,
        cause: a.cause,
      })
      return reply.code(202).send(accepted(dl.job_id, 'retry', r))
    },
  )

  app.get('/api/dispatch', { config: { permission: 'jobs:read' } }, async (req) =>
    log.dispatchStates(principalOf(req).tenantId),
  )

  for (const action of ['pause', 'resume'] as const)
    app.post(`/api/dispatch/${action}`, { config: { permission: 'dispatch:pause' } }, async (req) => {
      const body = parse(DispatchControlBody, req.body, `${action} request`)
      const a = actor(req)
      // A tenant's admin acts on its own tenant; no tenant means every tenant.
      if (body.tenant_id !== undefined && body.tenant_id !== a.tenantId)
        throw new Forbidden('dispatch of another tenant cannot be paused or resumed from here')
      return log.setDispatch(a.tenantId, body.tenant_id ?? null, action === 'pause', {
        reason: body.reason,
        by: a.by,
        cause: a.cause,
      })
    })
}
