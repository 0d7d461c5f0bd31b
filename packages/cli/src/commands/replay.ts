import { parseEvent, type SweepEvent } from '@zixly/contracts'
import { evolve, initialState, type JobState } from '@zixly/orchestrator'
import { isJobEvent, rebuild, selectProjections, summarize } from '@zixly/projector'
import { z } from 'zod'
import { readLog, seqOrTime } from '../log.ts'
import { UsageError, type Command, type CommandGroup } from '../registry.ts'
import { renderTable } from '../table.ts'

const rebuildCommand: Command = {
  name: 'rebuild',
  summary: 'rebuild the read models from sequence 1 into a fresh schema, then swap it in',
  usage: '[--projection <name>]… [--resume] [--keep-previous]',
  help: `Builds <PG_SCHEMA>_next from the whole log while <PG_SCHEMA> keeps serving, catches up with the
live tail, then swaps the schemas in one transaction (the running projector pauses for that moment
and continues on the new schema). Interrupting it leaves the serving schema untouched; run it again
to start over, or with --resume to continue the half-built schema. --projection rebuilds only the named
read models and copies the others over.`,
  options: {
    projection: { type: 'string', multiple: true },
    resume: { type: 'boolean' },
    'keep-previous': { type: 'boolean' },
    'batch-size': { type: 'string' },
  },
  async run({ values, ctx }) {
    const only = (values.projection as string[] | undefined) ?? []
    try {
      selectProjections(only)
    } catch (err) {
      throw new UsageError((err as Error).message)
    }
    const batchSize = values['batch-size'] === undefined ? 5000 : z.coerce.number().int().min(1).max(100_000).parse(values['batch-size'])
    const bar = ctx.progress('rebuild', 0)
    const result = await rebuild({
      pool: await ctx.pg(),
      nc: await ctx.nats(),
      names: ctx.names,
      schema: ctx.config.PG_SCHEMA,
      projections: only,
      resume: values.resume === true,
      keepPrevious: values['keep-previous'] === true,
      batchSize,
      onProgress: (p) => bar.update(p.done, p.total),
    })
    bar.done()
    const rate = result.ms > 0 ? Math.round((result.events / result.ms) * 1000) : 0
    ctx.print({ ...result, events_per_second: rate }, () =>
      `rebuilt ${result.schema} from the log: ${result.events.toLocaleString('en-US')} events in ${(result.ms / 1000).toFixed(1)} s (${rate.toLocaleString('en-US')}/s), checkpoint ${result.checkpoint}; swapped in`,
    )
  },
}

interface Step {
  seq: number
  time: string
  type: string
  version: number
  attempt: number | null
  summary: string
  state: JobState
}

function stateText(s: JobState): string {
  if (s.status === 'initial') return 'initial'
  const errors = s.errors.length > 0 ? ` errors=${s.errors.map((e) => `${e.attempt}:${e.code}`).join(',')}` : ''
  return `${s.status} attempt=${s.attempt}${errors}`
}

const jobCommand: Command = {
  name: 'job',
  summary: "a job's events and the saga state after each one (time travel)",
  usage: '<job-id> [--at <seq|time>] [--tenant <id>]',
  help: `Reads the job's subject from the log and folds each event with the orchestrator's evolve, printing
one row per event: sequence, time, type, attempt, summary and the state after it. --at stops at a stream
sequence or at a time (events that occurred at or before it).`,
  options: { at: { type: 'string' }, tenant: { type: 'string' } },
  async run({ positionals, values, ctx }) {
    const id = positionals[0]
    if (!id || !z.uuid().safeParse(id).success) throw new UsageError('give the job id (a UUID)')
    const at = seqOrTime(values.at as string | undefined, '--at')
    const tenant = (values.tenant as string | undefined) ?? '*'
    const steps: Step[] = []
    let state = initialState()
    await readLog(await ctx.nats(), { stream: ctx.names.eventsStream, filter: `${ctx.names.namespace}.evt.${tenant}.sweep.${id}` }, (m) => {
      const event = parseEvent(m.json())
      if (!isJobEvent(event)) return
      if (at && ('seq' in at ? m.seq > at.seq : Date.parse(event.metadata.occurredAt) > at.time.getTime())) return
      // evolve takes the event's sequence in newer orchestrators (older ones ignore it): the cast fits both.
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
      state = (evolve as (s: JobState, e: SweepEvent, seq: number) => JobState)(state, event, m.seq)
      const e: SweepEvent = event
      steps.push({
        seq: m.seq,
        time: e.metadata.occurredAt,
        type: e.type,
        version: e.version,
        attempt: 'attempt' in e.data && typeof e.data.attempt === 'number' ? e.data.attempt : null,
        summary: summarize(e) ?? e.type,
        state,
      })
    })
    if (steps.length === 0) {
      ctx.stderr.write(`no events for job ${id}${at ? ' at that point' : ''} in ${ctx.names.eventsStream}\n`)
      return 1
    }
    ctx.print({ job_id: id, events: steps, state }, () =>
      renderTable(
        ['#', 'seq', 'time', 'event', 'attempt', 'summary', 'state after'],
        steps.map((s, i) => [String(i + 1), String(s.seq), s.time, s.type, s.attempt === null ? '' : String(s.attempt), s.summary, stateText(s.state)]),
      ),
    )
    return 0
  },
}

export const replay: CommandGroup = {
  name: 'replay',
  summary: 'rebuild read models from the log, and replay one job through the saga',
  commands: [rebuildCommand, jobCommand],
}
