import {
  isSweepEvent,
  type SweepParams,
  type LogEvent,
  type RecordedError,
  type SweepEvent,
} from '@zixly/contracts'
import { decide, type Output } from '../src/sweep/decide.ts'
import { DEFAULT_SAGA_CONFIG, type SagaConfig } from '../src/sweep/policy.ts'
import { World } from '../src/world.ts'
import { seedParams } from '../../../test/support/fixtures.ts'

// Given / when / then for the saga: `given` folds past events in, `when` appends one and returns what
// the orchestrator does about it (its reaction plus a decision round), `at` runs a round at a time.

export const T0 = Date.parse('2026-11-26T12:00:00.000Z')
export const iso = (ms: number) => new Date(ms).toISOString()
export const JOB = '11111111-1111-4111-8111-111111111111'
export const jobId = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`

export const config: SagaConfig = {
  ...DEFAULT_SAGA_CONFIG,
  retry: { baseMs: 2000, capMs: 60_000 },
  attemptTimeoutMs: 600_000,
  jobDeadlineMs: 3_600_000,
  timeoutGraceMs: 5000,
  limits: { global: 2, perTenant: 2 },
}

export const params = seedParams

const meta = (tenantId: string, at: number, id: string) => ({
  tenantId,
  correlationId: id,
  causationId: 'test',
  occurredAt: iso(at),
})

export function requested(
  id = JOB,
  opts: { tenant?: string; at?: number } & Partial<SweepParams> = {},
): SweepEvent {
  const { tenant = 'acme', at = T0, ...over } = opts
  return {
    id: `SweepRequested:${id}`,
    type: 'SweepRequested',
    version: 2,
    data: { job_id: id, params: params(over) },
    metadata: meta(tenant, at, id),
  }
}
export const started = (attempt: number, id = JOB, tenant = 'acme'): SweepEvent => ({
  id: `SweepStarted:${id}:${attempt}:1`,
  type: 'SweepStarted',
  version: 1,
  data: { job_id: id, attempt, executor_id: 'x', combinations: 8, bars: 100 },
  metadata: meta(tenant, T0, id),
})
export const attemptFailed = (
  attempt: number,
  error: Partial<RecordedError> = {},
  id = JOB,
  tenant = 'acme',
): SweepEvent => ({
  id: `SweepAttemptFailed:${id}:${attempt}:1`,
  type: 'SweepAttemptFailed',
  version: 1,
  data: {
    job_id: id,
    attempt,
    error: { code: 'BOOM', message: `boom ${attempt}`, retryable: true, ...error },
  },
  metadata: meta(tenant, T0, id),
})
export const completed = (attempt: number, id = JOB, tenant = 'acme'): SweepEvent => ({
  id: `SweepCompleted:${id}:${attempt}:1`,
  type: 'SweepCompleted',
  version: 1,
  data: {
    job_id: id,
    attempt,
    total_combinations: 8,
    ranked_combinations: 8,
    result_chunks: 1,
    best: null,
    bnh_return_pct: 1,
    bars: 100,
    duration_ms: 5,
    results_uri: null,
  },
  metadata: meta(tenant, T0, id),
})
export const cancelled = (id = JOB, tenant = 'acme', at = T0): SweepEvent => ({
  id: `SweepCancelled:${id}:${at}`,
  type: 'SweepCancelled',
  version: 1,
  data: { job_id: id, reason: 'user asked' },
  metadata: meta(tenant, at, id),
})
export const retried = (id = JOB, tenant = 'acme', at = T0): SweepEvent => ({
  id: `SweepRetried:${id}:${at}`,
  type: 'SweepRetried',
  version: 1,
  data: { job_id: id },
  metadata: meta(tenant, at, id),
})
export const commandDeadLettered = (attempt: number, id = JOB, tenant = 'acme'): SweepEvent => ({
  id: `SweepCommandDeadLettered:${id}:${attempt}`,
  type: 'SweepCommandDeadLettered',
  version: 1,
  data: {
    job_id: id,
    attempt,
    source: 'max_deliveries',
    stream: 'COMMANDS',
    stream_seq: 9,
    subject: 'zixly.cmd.sweep.run.acme',
    deliveries: 5,
    reason: 'gave up',
  },
  metadata: meta(tenant, T0, id),
})
export const dispatchSwitch = (
  type: 'DispatchPaused' | 'DispatchResumed',
  tenant: string | null,
  at = T0,
): LogEvent => ({
  id: `${type}:${tenant ?? 'all'}:${at}`,
  type,
  version: 1,
  data: { tenant_id: tenant },
  metadata: meta('ops', at, 'control'),
})

export const eventsOf = (outputs: Output[]) => outputs.flatMap((o) => (o.kind === 'event' ? [o.event] : []))
export const commandsOf = (outputs: Output[]) =>
  outputs.flatMap((o) => (o.kind === 'command' ? [o.command] : []))
export const dispatchedJobs = (outputs: Output[]) =>
  eventsOf(outputs).flatMap((e) => (e.type === 'SweepDispatched' ? [e.data.job_id] : []))

/** A world and its log: what the orchestrator knows after the given events. */
export class Saga {
  readonly world: World
  private seq = 0
  constructor(readonly cfg: SagaConfig = config) {
    this.world = new World(cfg.limits.slotPairs)
  }

  given(...events: LogEvent[]): this {
    for (const e of events) this.world.apply(e, ++this.seq)
    return this
  }

  /** Appends `event` and returns what the orchestrator does: its reaction, then a decision round. */
  when(event: LogEvent, now = T0): Output[] {
    const state = this.world.apply(event, ++this.seq)
    const reaction = state && isSweepEvent(event) ? decide(event, state, { now, config: this.cfg }) : []
    return [...reaction, ...this.at(now)]
  }

  /** A decision round at `now` (a timer firing). */
  at(now: number): Output[] {
    return this.world.plan({ now, config: this.cfg }).outputs
  }

  /** Appends what the orchestrator decided (as the shell does), returning the reactions (RunSweep). */
  record(outputs: Output[], now = T0): Output[] {
    const out: Output[] = []
    for (const e of eventsOf(outputs)) {
      const state = this.world.apply(e, ++this.seq)
      if (state) out.push(...decide(e, state, { now, config: this.cfg }))
    }
    return out
  }

  /** `when` followed by recording every decision until nothing more is due: the shell's loop. */
  settle(event: LogEvent, now = T0): LogEvent[] {
    const all: LogEvent[] = []
    let outs = this.when(event, now)
    while (eventsOf(outs).length > 0) {
      all.push(...eventsOf(outs))
      this.record(outs, now)
      outs = this.at(now)
    }
    return all
  }
}
