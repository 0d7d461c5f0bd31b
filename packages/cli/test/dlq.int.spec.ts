import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { randomUUID } from 'node:crypto'
import { deadLetterSubject, parseSweepEvent, type LogEvent, type SweepEvent } from '@zixly/contracts'
import { appendMessage, readSubject } from '@zixly/platform'
import { startProjector } from '@zixly/projector'
import { eventually, isolatedEnv, type TestEnv } from '../../../test/support/env.ts'
import { appendAll, failedAttempt, lifecycle } from '../../../services/projector/test/fixtures.ts'
import { runCli } from '../src/index.ts'

let env: TestEnv
let projector: Awaited<ReturnType<typeof startProjector>>
const failedJob = randomUUID()
const t0 = Date.UTC(2026, 3, 1)

function io() {
  let out = ''
  let err = ''
  return {
    env: { ...process.env, ...env.env, LOG_LEVEL: 'silent' },
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    get out() {
      return out
    },
    get err() {
      return err
    },
  }
}
const cli = async (...argv: string[]) => {
  const o = io()
  const code = await runCli(argv, o)
  return { code, out: o.out, err: o.err }
}

beforeAll(async () => {
  env = await isolatedEnv('clidlq')
  const [req, disp, start] = lifecycle(failedJob, 'acme', t0)
  const failed: SweepEvent = {
    id: `SweepFailed:${failedJob}:1`,
    type: 'SweepFailed',
    version: 1,
    data: {
      job_id: failedJob,
      attempts: 1,
      reason: 'failed after 1 attempt: connection refused',
      errors: [
        { attempt: 1, code: 'TRADING_API_UNAVAILABLE', message: 'connection refused', retryable: true },
      ],
    },
    metadata: {
      tenantId: 'acme',
      correlationId: failedJob,
      causationId: 'x',
      occurredAt: new Date(t0 + 5000).toISOString(),
    },
  }
  await appendAll(env.nc.jetstream(), env.names, [
    req!,
    disp!,
    start!,
    failedAttempt(failedJob, 'acme', t0 + 4000, 1),
    failed,
  ])
  const orphan: LogEvent = {
    id: 'MessageDeadLettered:CMD-7',
    type: 'MessageDeadLettered',
    version: 1,
    data: {
      dead_letter_id: 'CMD-7',
      source: 'invalid_command',
      stream: 'COMMANDS',
      stream_seq: 7,
      subject: 'zixly.cmd.sweep.run.acme',
      reason: 'invalid RunSweep',
      payload: '{"hello":"world"}',
    },
    metadata: {
      tenantId: 'acme',
      correlationId: 'CMD-7',
      causationId: 'CMD-7',
      occurredAt: new Date(t0 + 6000).toISOString(),
    },
  }
  await appendMessage(env.nc.jetstream(), deadLetterSubject(env.names, 'acme'), orphan)
  projector = await startProjector({ nc: env.nc, pool: env.pool, names: env.names, logger: env.logger })
  await eventually(async () => {
    const r = await env.pool.query(`SELECT count(*)::int AS n FROM dead_letters`)
    return (r.rows[0] as { n: number }).n === 2 ? true : undefined
  })
})
afterAll(async () => {
  await projector?.stop()
  await env?.cleanup()
})

describe('zixly dlq', () => {
  it('lists the dead letters of a failed job and of an unreadable command, newest first', async () => {
    const r = await cli('dlq', 'list', '--json')
    expect(r.code).toBe(0)
    const rows = JSON.parse(r.out) as Array<{ id: string; source: string; job_id: string | null }>
    expect(rows.map((x) => [x.source, x.job_id])).toEqual([
      ['invalid_command', null],
      ['job_failed', failedJob],
    ])
    const table = await cli('dlq', 'list', '--source', 'job_failed')
    expect(table.out).toContain(failedJob)
    expect(table.out).not.toContain('invalid_command')
    expect((await cli('dlq', 'list', '--source', 'nope')).code).toBe(2)
  })

  it('shows one dead letter with its errors and kept message', async () => {
    const r = await cli('dlq', 'show', 'MessageDeadLettered:CMD-7', '--json')
    expect(r.code).toBe(0)
    expect(JSON.parse(r.out)).toMatchObject({
      source: 'invalid_command',
      payload: '{"hello":"world"}',
      stream_seq: 7,
    })
    expect((await cli('dlq', 'show', 'missing')).code).toBe(1)
  })

  it('redrives every open dead letter: the failed job gets a new attempt chain, the orphan message is reported', async () => {
    const r = await cli('dlq', 'redrive', '--all', '--json')
    expect(r.code).toBe(0)
    expect(JSON.parse(r.out)).toMatchObject({ redriven: 1 })
    const events = await readSubject(
      env.nc.jetstream(),
      await env.nc.jetstreamManager(),
      env.names.eventsStream,
      env.names.eventSubject('acme', failedJob),
    )
    expect(parseSweepEvent(events.at(-1)!.data)).toMatchObject({
      type: 'SweepRetried',
      data: { requested_by: 'cli' },
    })
    // The retry resolves the job's dead letter; a second redrive finds nothing more to do for it.
    await eventually(async () =>
      (await cli('dlq', 'list', '--source', 'job_failed')).out.includes('no dead letters') ? true : undefined,
    )
    expect((await cli('dlq', 'redrive', `SweepFailed:${failedJob}:1`)).out).toContain(
      'not failed or cancelled',
    )
  })
})
