import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { randomUUID } from 'node:crypto'
import {
  countPairs,
  deadLetterSubject,
  parseEvent,
  parseSweepEvent,
  type SweepParams,
  type RunSweep,
  type SweepEvent,
} from '@zixly/contracts'
import { createMarketData } from '@zixly/market-data'
import { appendMessage, DISPATCH_SEQ_HEADER, readSubject } from '@zixly/platform'
import { eventually, isolatedEnv, type TestEnv } from '../../../test/support/env.ts'
import { inProcessRunner, startExecutor, type SweepRunner } from '../src/index.ts'
import { seedParams, testMetadata } from '../../../test/support/fixtures.ts'

let env: TestEnv
beforeAll(async () => {
  env = await isolatedEnv('execctl')
})
afterAll(async () => {
  await env?.cleanup()
})

const params = seedParams
const js = () => env.nc.jetstream()
const subject = (jobId: string) => env.names.eventSubject('local', jobId)
const meta = (jobId: string) => testMetadata(jobId)

/** A job requested and its attempt 1 dispatched, as the orchestrator would leave it; returns the command. */
async function dispatched(
  p: SweepParams,
  deadlineAt?: number,
): Promise<{ jobId: string; command: RunSweep }> {
  const jobId = randomUUID()
  const events: SweepEvent[] = [
    {
      id: `SweepRequested:${jobId}`,
      type: 'SweepRequested',
      version: 2,
      data: { job_id: jobId, params: p },
      metadata: meta(jobId),
    },
    {
      id: `SweepDispatched:${jobId}:1`,
      type: 'SweepDispatched',
      version: 1,
      data: { job_id: jobId, attempt: 1, command_id: `RunSweep:${jobId}:1` },
      metadata: meta(jobId),
    },
  ]
  for (const e of events) await appendMessage(js(), subject(jobId), e)
  const command: RunSweep = {
    id: `RunSweep:${jobId}:1`,
    type: 'RunSweep',
    version: 1,
    data: {
      job_id: jobId,
      attempt: 1,
      params: p,
      ...(deadlineAt === undefined ? {} : { deadline_at: deadlineAt }),
    },
    metadata: meta(jobId),
  }
  return { jobId, command }
}
const send = (command: unknown, tenant = 'local', headers?: Record<string, string>) =>
  appendMessage(js(), env.names.runSweepSubject(tenant), command as { id: string }, headers ? { headers } : {})

async function history(jobId: string): Promise<Array<SweepEvent & { seq: number }>> {
  const msgs = await readSubject(
    js(),
    await env.nc.jetstreamManager(),
    env.names.eventsStream,
    subject(jobId),
  )
  return msgs.map((m) => ({ ...parseSweepEvent(m.data), seq: m.seq }))
}
const commandsLeft = async () =>
  (await (await env.nc.jetstreamManager()).streams.info(env.names.commandsStream)).state.messages
const executorOf = (runner: SweepRunner, id: string) =>
  startExecutor({ nc: env.nc, names: env.names, logger: env.logger, runner, executorId: id, ackWaitMs: 3000 })

/** A runner whose sweep never reports progress and runs until it is aborted; says when it was aborted. */
function silentRunner() {
  let abortedAt: number | null = null
  let startedRun!: () => void
  const running = new Promise<void>((r) => (startedRun = r))
  const runner: SweepRunner = {
    name: 'silent',
    async prepare() {
      return {
        bars: 100,
        combinations: 8,
        run: ({ signal }) =>
          new Promise((_, reject) => {
            startedRun()
            signal.addEventListener('abort', () => {
              abortedAt = Date.now()
              reject(new Error('aborted'))
            })
          }),
      }
    },
    close: async () => {},
  }
  return { runner, running, abortedAt: () => abortedAt }
}

describe('executor: cancel, timeout and poison commands', () => {
  it('stops a running sweep within a second of its cancel, even between progress reports, and never completes it', async () => {
    const silent = silentRunner()
    const executor = await executorOf(silent.runner, 'cancel-test')
    try {
      const { jobId, command } = await dispatched(params())
      await send(command)
      await silent.running
      const events = await history(jobId)
      const cancelledAt = Date.now()
      const cancel: SweepEvent = {
        id: `SweepCancelled:${jobId}:x`,
        type: 'SweepCancelled',
        version: 1,
        data: { job_id: jobId, reason: 'test' },
        metadata: meta(jobId),
      }
      await appendMessage(js(), subject(jobId), cancel, { expectedLastSubjectSeq: events.at(-1)!.seq })
      const abortedAt = await eventually(async () => silent.abortedAt() ?? undefined, 5000, 10)
      expect(abortedAt - cancelledAt).toBeLessThan(1000)
      await eventually(async () => ((await commandsLeft()) === 0 ? true : undefined))
      const types = (await history(jobId)).map((e) => e.type)
      expect(types).toEqual(['SweepRequested', 'SweepDispatched', 'SweepStarted', 'SweepCancelled'])
    } finally {
      await executor.stop()
    }
  })

  it('aborts the engine at the attempt’s deadline and records ATTEMPT_TIMEOUT, as a retryable failure', async () => {
    const runner = inProcessRunner({ marketData: createMarketData(), workers: 1 })
    const executor = await executorOf(runner, 'deadline-test')
    try {
      // Far more work than fits before the deadline (the hourly series, tens of thousands of pairs):
      // 7× the 7,925 pairs that took ~1.4 s on a quiet machine, so several seconds of work and a
      // failure recorded within 3 s of the deadline was aborted there, not noticed after the sweep
      // ended. (The bound was 1 s with the smaller grid; a loaded CI run took 1.08 s.)
      const big = params({
        interval: '1h',
        fast_range: [5, 200],
        slow_range: [10, 400],
        step: 1,
        min_trades: 10,
      })
      expect(countPairs(big.fast_range, big.slow_range, big.step)).toBe(58_300)
      const deadline = Date.now() + 700
      const { jobId, command } = await dispatched(big, deadline)
      await send(command)
      const failed = await eventually(
        async () => (await history(jobId)).find((e) => e.type === 'SweepAttemptFailed'),
        10_000,
      )
      expect(failed).toMatchObject({
        data: { attempt: 1, error: { code: 'ATTEMPT_TIMEOUT', retryable: true } },
      })
      expect(Date.parse(failed.metadata.occurredAt) - deadline).toBeLessThan(3000)
      expect((await history(jobId)).some((e) => e.type === 'SweepCompleted')).toBe(false)
      await eventually(async () => ((await commandsLeft()) === 0 ? true : undefined))
    } finally {
      await executor.stop()
      await runner.close()
    }
  })

  it('terminates a command that fails validation and records it on its job, and one naming no job on its own', async () => {
    const silent = silentRunner()
    const executor = await executorOf(silent.runner, 'poison-test')
    try {
      const { jobId, command } = await dispatched(params())
      await send({ ...command, id: 'bad-1', data: { ...command.data, params: { ticker: 'BTC-USD' } } })
      const dl = await eventually(async () =>
        (await history(jobId)).find((e) => e.type === 'SweepCommandDeadLettered'),
      )
      expect(dl).toMatchObject({
        data: { source: 'invalid_command', attempt: 1, reason: expect.stringContaining('invalid RunSweep') },
      })
      await send({ id: 'bad-2', hello: 'world' })
      const orphan = await eventually(async () => {
        const msgs = await readSubject(
          js(),
          await env.nc.jetstreamManager(),
          env.names.eventsStream,
          deadLetterSubject(env.names, 'local'),
        )
        return msgs.map((m) => parseEvent(m.data)).find((e) => e.type === 'MessageDeadLettered')
      })
      expect(orphan).toMatchObject({
        data: { source: 'invalid_command', payload: JSON.stringify({ id: 'bad-2', hello: 'world' }) },
      })
      // Terminated, not redelivered: the work queue is empty and nothing ran.
      await eventually(async () => ((await commandsLeft()) === 0 ? true : undefined))
      expect(silent.abortedAt()).toBeNull()
    } finally {
      await executor.stop()
    }
  })

  it('drops a command whose attempt is no longer the job’s current one', async () => {
    const silent = silentRunner()
    const executor = await executorOf(silent.runner, 'stale-test')
    try {
      const { jobId, command } = await dispatched(params())
      const failed: SweepEvent = {
        id: `SweepAttemptFailed:${jobId}:1:x`,
        type: 'SweepAttemptFailed',
        version: 1,
        data: {
          job_id: jobId,
          attempt: 1,
          error: { code: 'ATTEMPT_TIMEOUT', message: 'late', retryable: true },
        },
        metadata: meta(jobId),
      }
      await appendMessage(js(), subject(jobId), failed)
      await send(command)
      await eventually(async () => ((await commandsLeft()) === 0 ? true : undefined))
      expect((await history(jobId)).map((e) => e.type)).toEqual([
        'SweepRequested',
        'SweepDispatched',
        'SweepAttemptFailed',
      ])
    } finally {
      await executor.stop()
    }
  })

  it('drops a first delivery whose dispatch sequence is out of date once the job is read and has moved on', async () => {
    const silent = silentRunner()
    const executor = await executorOf(silent.runner, 'stale-hint-test')
    try {
      const { jobId, command } = await dispatched(params())
      const dispatchSeq = (await history(jobId)).find((e) => e.type === 'SweepDispatched')!.seq
      const failed: SweepEvent = {
        id: `SweepAttemptFailed:${jobId}:1:x`,
        type: 'SweepAttemptFailed',
        version: 1,
        data: { job_id: jobId, attempt: 1, error: { code: 'ATTEMPT_TIMEOUT', message: 'late', retryable: true } },
        metadata: meta(jobId),
      }
      await appendMessage(js(), subject(jobId), failed)
      await send(command, 'local', { [DISPATCH_SEQ_HEADER]: String(dispatchSeq) })
      await eventually(async () => ((await commandsLeft()) === 0 ? true : undefined))
      expect((await history(jobId)).map((e) => e.type)).toEqual(['SweepRequested', 'SweepDispatched', 'SweepAttemptFailed'])
    } finally {
      await executor.stop()
    }
  })

  it('starts a first delivery from its dispatch sequence and completes it', async () => {
    const executor = await startExecutor({
      nc: env.nc,
      names: env.names,
      logger: env.logger,
      runner: inProcessRunner({ marketData: createMarketData() }),
      executorId: 'hint-test',
    })
    try {
      const { jobId, command } = await dispatched(params())
      const dispatchSeq = (await history(jobId)).find((e) => e.type === 'SweepDispatched')!.seq
      await send(command, 'local', { [DISPATCH_SEQ_HEADER]: String(dispatchSeq) })
      const events = await eventually(async () => {
        const h = await history(jobId)
        return h.some((e) => e.type === 'SweepCompleted') ? h : undefined
      })
      expect(events.map((e) => e.type)).toEqual(['SweepRequested', 'SweepDispatched', 'SweepStarted', 'SweepResultsRecorded', 'SweepCompleted'])
      expect(events[2]!.seq).toBeGreaterThan(dispatchSeq)
    } finally {
      await executor.stop()
    }
  })
})

describe('executor: slots', () => {
  /** A runner whose sweeps run until `release()`; counts how many run at once. */
  function gatedRunner(quick: boolean) {
    let running = 0
    let open!: () => void
    const gate = new Promise<void>((r) => (open = r))
    const runner: SweepRunner = {
      name: 'gated',
      async prepare() {
        return {
          bars: 100,
          combinations: 4,
          quick,
          async run() {
            running++
            await gate
            running--
            return { rows: [], bnhReturnPct: 0 }
          },
        }
      },
      close: async () => {},
    }
    return { runner, running: () => running, release: () => open() }
  }

  for (const [quick, most] of [
    [true, 4],
    [false, 1],
  ] as const) {
    it(`runs ${most} ${quick ? 'quick sweeps' : 'sweep that is not quick'} at once in one slot, and the rest after`, async () => {
      const gated = gatedRunner(quick)
      const executor = await startExecutor({ nc: env.nc, names: env.names, logger: env.logger, runner: gated.runner, executorId: `slots-${quick}`, concurrency: 1 })
      try {
        const jobs = await Promise.all([1, 2, 3, 4, 5, 6].map(() => dispatched(params())))
        for (const j of jobs) await send(j.command)
        await eventually(async () => (gated.running() === most ? true : undefined))
        await new Promise((r) => setTimeout(r, 300))
        expect(gated.running()).toBe(most)
        gated.release()
        for (const j of jobs)
          await eventually(async () => ((await history(j.jobId)).some((e) => e.type === 'SweepCompleted') ? true : undefined))
      } finally {
        await executor.stop()
      }
    })
  }
})
