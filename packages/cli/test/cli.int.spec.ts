import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { randomUUID } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { appendMessage } from '@zixly/platform'
import type { SweepEvent } from '@zixly/contracts'
import { jobDetail, startProjector } from '@zixly/projector'
import { eventually, isolatedEnv, type TestEnv } from '../../../test/support/env.ts'
import { appendAll, failedAttempt, lifecycle } from '../../../services/projector/test/fixtures.ts'
import { runCli } from '../src/index.ts'

let env: TestEnv
let target: TestEnv
const dir = mkdtempSync(join(tmpdir(), 'zixly-cli-'))
const jobId = randomUUID()
const v1Job = randomUUID()
const t0 = Date.UTC(2026, 2, 1)

/** A job that failed twice and succeeded on its third attempt. */
function thirdTimeLucky(id: string): SweepEvent[] {
  const [req, disp, start, results, done] = lifecycle(id, 'acme', t0)
  const again = (e: SweepEvent, attempt: number, shift: number): SweepEvent =>
    ({
      ...e,
      id: `${e.id}:a${attempt}`,
      data: { ...e.data, attempt },
      metadata: { ...e.metadata, occurredAt: new Date(Date.parse(e.metadata.occurredAt) + shift).toISOString() },
    }) as SweepEvent
  return [
    req!, disp!, start!, failedAttempt(id, 'acme', t0 + 3000, 1),
    again(disp!, 2, 10_000), again(start!, 2, 10_000), failedAttempt(id, 'acme', t0 + 13_000, 2),
    again(disp!, 3, 20_000), again(start!, 3, 20_000), again(results!, 3, 20_000), again(done!, 3, 20_000),
  ]
}

function io(e: TestEnv) {
  let out = ''
  let err = ''
  return {
    env: { ...process.env, ...e.env, LOG_LEVEL: 'silent' },
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

beforeAll(async () => {
  ;[env, target] = await Promise.all([isolatedEnv('cli'), isolatedEnv('cliimport')])
  await appendAll(env.nc.jetstream(), env.names, thirdTimeLucky(jobId), 1)
  // A SweepRequested v1 as the first releases wrote it: no strategy_type, only the two ranges.
  await appendMessage(env.nc.jetstream(), env.names.eventSubject('acme', v1Job), {
    id: `SweepRequested:${v1Job}`,
    type: 'SweepRequested',
    version: 1,
    data: { job_id: v1Job, ticker: 'ETH-USD', fast_range: [5, 10], slow_range: [20, 40], step: 5 },
    metadata: { tenantId: 'acme', correlationId: v1Job, causationId: v1Job, occurredAt: new Date(t0).toISOString() },
  } as never)
  await appendAll(env.nc.jetstream(), env.names, lifecycle(v1Job, 'acme', t0).slice(1), 1)
})
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true })
  await Promise.all([env?.cleanup(), target?.cleanup()])
})

describe('zixly', () => {
  it('prints help for every subcommand and exits 2 on an unknown one', async () => {
    for (const args of [['--help'], ['replay', '--help'], ['replay', 'rebuild', '--help'], ['replay', 'job', '--help'], ['events', 'export', '--help'], ['events', 'import', '--help'], ['streams', 'info', '--help']]) {
      const x = io(env)
      expect(await runCli(args, x)).toBe(0)
      expect(x.out).toMatch(/zixly/)
    }
    const x = io(env)
    expect(await runCli(['replay', 'nope'], x)).toBe(2)
    expect(x.err).toContain('unknown command "nope"')
  })

  it('replays a job that failed twice and succeeded on the third attempt: every event and the state after each, in order', async () => {
    const x = io(env)
    expect(await runCli(['replay', 'job', jobId, '--json'], x)).toBe(0)
    const r = JSON.parse(x.out) as { events: Array<{ seq: number; type: string; attempt: number | null; state: { status: string; attempt?: number; errors?: unknown[] } }> }
    expect(r.events.map((e) => `${e.type}:${e.attempt ?? '-'}`)).toEqual([
      'SweepRequested:-', 'SweepDispatched:1', 'SweepStarted:1', 'SweepAttemptFailed:1',
      'SweepDispatched:2', 'SweepStarted:2', 'SweepAttemptFailed:2',
      'SweepDispatched:3', 'SweepStarted:3', 'SweepResultsRecorded:3', 'SweepCompleted:3',
    ])
    expect(r.events.map((e) => e.seq)).toEqual([...r.events.map((e) => e.seq)].sort((a, b) => a - b))
    expect(r.events[0]!.state.status).toBe('queued')
    expect(r.events[2]!.state.status).toBe('running')
    expect(r.events[3]!.state.status).not.toBe('running')
    expect(r.events[6]!.state.errors?.length).toBeGreaterThan(0)
    expect(r.events.every((e) => typeof e.state.status === 'string')).toBe(true)
    expect(r.events.at(-1)!.state.status).toBe('completed')

    const table = io(env)
    expect(await runCli(['replay', 'job', jobId], table)).toBe(0)
    const lines = table.out.trimEnd().split('\n')
    expect(lines[0]).toMatch(/^#\s+seq\s+time\s+event\s+attempt\s+summary\s+state after$/)
    expect(lines).toHaveLength(2 + 11)
    expect(lines.at(-1)).toMatch(/SweepCompleted\s+3 .*completed/)

    const at = io(env)
    expect(await runCli(['replay', 'job', jobId, '--at', String(r.events[3]!.seq), '--json'], at)).toBe(0)
    expect((JSON.parse(at.out) as { events: unknown[] }).events).toHaveLength(4)
  })

  it('projects a SweepRequested v1 already in the log into today’s read models', async () => {
    const p = await startProjector({ nc: env.nc, pool: env.pool, names: env.names, logger: env.logger })
    const d = await eventually(async () => (await jobDetail(env.pool, 'acme', v1Job)) ?? undefined)
    await eventually(async () => ((await jobDetail(env.pool, 'acme', v1Job))?.status === 'COMPLETED' ? true : undefined))
    await p.stop()
    expect(d.parameters).toMatchObject({ ticker: 'ETH-USD', strategy_type: 'SMA', fast_range: [5, 10], slow_range: [20, 40], step: 5, min_trades: 50 })
    const row = (await env.pool.query(`SELECT strategy_type, ticker FROM pipeline_jobs WHERE id = $1`, [v1Job])).rows[0]
    expect(row).toEqual({ strategy_type: 'SMA', ticker: 'ETH-USD' })
  })

  it('exports the log to NDJSON and imports it into an empty stream, round trip identical', async () => {
    const file = join(dir, 'events.ndjson')
    const x = io(env)
    expect(await runCli(['events', 'export', '--out', file, '--quiet'], x)).toBe(0)
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as { seq: number; subject: string; event: { id: string; version: number } })
    expect(lines.map((l) => l.seq)).toEqual(lines.map((_, i) => i + 1))
    expect(lines.some((l) => l.event.version === 1)).toBe(true)

    const imp = io(target)
    expect(await runCli(['events', 'import', '--in', file, '--quiet'], imp)).toBe(0)
    const again = io(target)
    expect(await runCli(['events', 'import', '--in', file, '--quiet'], again)).toBe(1)
    expect(again.err).toContain('needs an empty stream')

    const back = join(dir, 'back.ndjson')
    expect(await runCli(['events', 'export', '--out', back, '--quiet'], io(target))).toBe(0)
    const roundTrip = readFileSync(back, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as typeof lines[number])
    expect(roundTrip.map((l) => ({ ...l, subject: l.subject.split('.').slice(1).join('.'), time: undefined }))).toEqual(
      lines.map((l) => ({ ...l, subject: l.subject.split('.').slice(1).join('.'), time: undefined })),
    )
    // A tenant filter and a sequence range narrow the export.
    const part = io(env)
    expect(await runCli(['events', 'export', '--since', '2', '--until', '4', '--tenant', 'acme', '--quiet'], part)).toBe(0)
    expect(part.out.trimEnd().split('\n').map((l) => (JSON.parse(l) as { seq: number }).seq)).toEqual([2, 3, 4])
  })

  it('shows streams, consumers and the readers’ lag', async () => {
    const x = io(env)
    expect(await runCli(['streams', 'info', '--json'], x)).toBe(0)
    const r = JSON.parse(x.out) as { streams: Array<{ name: string; messages?: number; consumers: Array<{ name: string }> }>; readers: Array<{ reader: string; lag: number | null }> }
    expect(r.streams[0]).toMatchObject({ name: env.names.eventsStream, messages: 11 + 5 })
    expect(r.streams.flatMap((s) => s.consumers.map((c) => c.name))).toContain('notifier')
    expect(r.readers.find((x) => x.reader === 'projector')?.lag).toBe(0)
    const text = io(env)
    expect(await runCli(['streams', 'info'], text)).toBe(0)
    expect(text.out).toMatch(/reader\s+checkpoint\s+lag/)
  })
})
