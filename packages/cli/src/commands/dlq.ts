import { DeadLetterSource, isSweepEvent, parseEvent, SUBJECT_TOKEN, type SweepEvent } from '@zixly/contracts'
import { appendMessage, ConcurrencyError, lastOnSubject, type NatsConnection } from '@zixly/platform'
import type { Context } from '../context.ts'
import { UsageError, type Command, type CommandGroup } from '../registry.ts'
import { renderTable } from '../table.ts'

// The dead letters of the `dead_letters` read model (jobs that failed for good, commands taken out of
// circulation), read as the schema owner (every tenant, or one with --tenant). A redrive is what the
// API's is: the dead letter's job runs again as a new attempt chain (`SweepRetried`, guarded).

interface Row {
  id: string
  seq: string
  tenant_id: string
  source: string
  job_id: string | null
  attempts: number | null
  reason: string
  errors: unknown[]
  subject: string | null
  stream_seq: string | null
  payload: string | null
  created_at: Date
  resolved_at: Date | null
}

const tenantOption = (v: unknown): string | null => {
  if (v === undefined) return null
  if (typeof v !== 'string' || !SUBJECT_TOKEN.test(v)) throw new UsageError('--tenant must be a tenant id')
  return v
}

async function select(
  ctx: Context,
  where: string[],
  values: unknown[],
  limit = 1000,
  offset = 0,
): Promise<Row[]> {
  const pool = await ctx.pg()
  const r = await pool.query<Row>(
    `SELECT * FROM dead_letters ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ${limit} OFFSET ${offset}`,
    values,
  )
  return r.rows
}

const view = (r: Row) => ({
  id: r.id,
  tenant_id: r.tenant_id,
  source: r.source,
  job_id: r.job_id,
  attempts: r.attempts,
  reason: r.reason,
  errors: r.errors,
  subject: r.subject,
  stream_seq: r.stream_seq === null ? null : Number(r.stream_seq),
  payload: r.payload,
  created_at: r.created_at.toISOString(),
  resolved_at: r.resolved_at?.toISOString() ?? null,
  seq: Number(r.seq),
})

const listCommand: Command = {
  name: 'list',
  summary: 'dead letters, newest first',
  usage:
    '[--tenant <id>] [--source job_failed|invalid_command|max_deliveries] [--all] [--limit <n>] [--offset <n>]',
  help: `Open dead letters (not yet redriven or retried); --all also lists resolved ones.`,
  options: {
    tenant: { type: 'string' },
    source: { type: 'string' },
    all: { type: 'boolean' },
    limit: { type: 'string' },
    offset: { type: 'string' },
  },
  async run({ values, ctx }) {
    const where: string[] = []
    const args: unknown[] = []
    const tenant = tenantOption(values.tenant)
    if (tenant !== null) where.push(`tenant_id = $${args.push(tenant)}`)
    if (values.source !== undefined) {
      const s = DeadLetterSource.safeParse(values.source)
      if (!s.success) throw new UsageError(`--source must be one of ${DeadLetterSource.options.join(', ')}`)
      where.push(`source = $${args.push(s.data)}`)
    }
    if (values.all !== true) where.push('resolved_at IS NULL')
    const limit = Number(values.limit ?? 50)
    const offset = Number(values.offset ?? 0)
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000)
      throw new UsageError('--limit must be 1 to 10000')
    if (!Number.isInteger(offset) || offset < 0) throw new UsageError('--offset must be 0 or more')
    const rows = (await select(ctx, where, args, limit, offset)).map(view)
    ctx.print(rows, () =>
      rows.length === 0
        ? 'no dead letters'
        : renderTable(
            ['id', 'tenant', 'source', 'job', 'attempts', 'created', 'resolved', 'reason'],
            rows.map((r) => [
              r.id,
              r.tenant_id,
              r.source,
              r.job_id ?? '',
              String(r.attempts ?? ''),
              r.created_at,
              r.resolved_at ?? '',
              r.reason.slice(0, 60),
            ]),
          ),
    )
    return 0
  },
}

const showCommand: Command = {
  name: 'show',
  summary: 'one dead letter with every error and the message it kept',
  usage: '<id>',
  async run({ positionals, ctx }) {
    const id = positionals[0]
    if (!id) throw new UsageError('give the id of a dead letter (see `zixly dlq list`)')
    const [row] = await select(ctx, ['id = $1'], [id])
    if (!row) {
      ctx.stderr.write(`no dead letter ${id}\n`)
      return 1
    }
    const v = view(row)
    ctx.print(v, () => JSON.stringify(v, null, 2))
    return 0
  },
}

/** Appends `SweepRetried` to a failed or cancelled job, expecting the subject's current end: 'retried', or why not. */
async function retryJob(
  nc: NatsConnection,
  ctx: Context,
  tenantId: string,
  jobId: string,
  dlId: string,
): Promise<string> {
  const jsm = await nc.jetstreamManager()
  const subject = ctx.names.eventSubject(tenantId, jobId)
  for (let tries = 0; tries < 10; tries++) {
    const last = await lastOnSubject(jsm, ctx.names.eventsStream, subject)
    const e = last ? parseEvent(last.data) : null
    if (!last || !e || !isSweepEvent(e)) return 'job not found'
    if (e.type !== 'SweepFailed' && e.type !== 'SweepCancelled')
      return `job is not failed or cancelled (last event ${e.type})`
    const event: SweepEvent = {
      id: `SweepRetried:${jobId}:${last.seq}`,
      type: 'SweepRetried',
      version: 1,
      data: { job_id: jobId, reason: `redrive of dead letter ${dlId}`, requested_by: 'cli' },
      metadata: {
        tenantId,
        correlationId: e.metadata.correlationId,
        causationId: dlId,
        occurredAt: new Date().toISOString(),
      },
    }
    try {
      await appendMessage(nc.jetstream(), subject, event, { expectedLastSubjectSeq: last.seq })
      return 'retried'
    } catch (err) {
      if (!(err instanceof ConcurrencyError)) throw err
    }
  }
  return 'the job kept changing; try again'
}

const redriveCommand: Command = {
  name: 'redrive',
  summary: 'run the jobs of dead letters again (a new attempt chain each)',
  usage: '<id> | --all [--tenant <id>]',
  help: `Retries the job a dead letter names, if it is FAILED or CANCELLED; --all does it for every open
dead letter (of one tenant with --tenant). A dead letter that names no job cannot be redriven: its
message is in \`zixly dlq show\`.`,
  options: { all: { type: 'boolean' }, tenant: { type: 'string' } },
  async run({ positionals, values, ctx }) {
    const tenant = tenantOption(values.tenant)
    let rows: Row[]
    if (values.all === true) {
      rows = await select(
        ctx,
        ['resolved_at IS NULL', ...(tenant === null ? [] : ['tenant_id = $1'])],
        tenant === null ? [] : [tenant],
        100_000,
      )
    } else {
      const id = positionals[0]
      if (!id) throw new UsageError('give the id of a dead letter, or --all')
      rows = await select(ctx, ['id = $1'], [id])
      if (rows.length === 0) {
        ctx.stderr.write(`no dead letter ${id}\n`)
        return 1
      }
    }
    const nc = await ctx.nats()
    const outcomes: Array<{ id: string; job_id: string | null; outcome: string }> = []
    const seen = new Set<string>()
    for (const r of rows) {
      if (r.job_id === null) outcomes.push({ id: r.id, job_id: null, outcome: 'names no job' })
      else if (seen.has(r.job_id))
        outcomes.push({ id: r.id, job_id: r.job_id, outcome: 'job already redriven above' })
      else {
        seen.add(r.job_id)
        outcomes.push({
          id: r.id,
          job_id: r.job_id,
          outcome: await retryJob(nc, ctx, r.tenant_id, r.job_id, r.id),
        })
      }
    }
    const retried = outcomes.filter((o) => o.outcome === 'retried').length
    ctx.print({ redriven: retried, outcomes }, () =>
      [
        ...outcomes.map((o) => `${o.id}: ${o.outcome}`),
        `redrove ${retried} of ${outcomes.length} dead letter${outcomes.length === 1 ? '' : 's'}`,
      ].join('\n'),
    )
    return values.all === true || retried === outcomes.length ? 0 : 1
  },
}

export const dlq: CommandGroup = {
  name: 'dlq',
  summary: 'list, show and redrive dead letters',
  commands: [listCommand, showCommand, redriveCommand],
}
