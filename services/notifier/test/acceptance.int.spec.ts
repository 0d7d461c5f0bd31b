import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { OutcomeCallback, SweepParams } from '@zixly/contracts'
import { ensureJetStream } from '@zixly/platform'
import { inProcessRunner, startExecutor } from '@zixly/executor'
import { startOrchestrator } from '@zixly/orchestrator'
import { createMarketData } from '@zixly/market-data'
import { randomUUID } from 'node:crypto'
import { eventually, isolatedEnv, type TestEnv } from '../../../test/support/env.ts'
import { appendSweepRequested, testMetadata } from '../../../test/support/fixtures.ts'
import { consumerIdle, notifierHarness, SECRETS, signatureValid } from './harness.ts'

let env: TestEnv
let h: Awaited<ReturnType<typeof notifierHarness>>
let orchestrator: Awaited<ReturnType<typeof startOrchestrator>>
let executor: Awaited<ReturnType<typeof startExecutor>>
let runner: ReturnType<typeof inProcessRunner>

beforeAll(async () => {
  env = await isolatedEnv('notifyacc')
  h = await notifierHarness(env)
  orchestrator = await startOrchestrator({ nc: env.nc, names: env.names, logger: env.logger })
  runner = inProcessRunner({ marketData: createMarketData(), workers: 1 })
  executor = await startExecutor({
    nc: env.nc,
    names: env.names,
    logger: env.logger,
    runner,
    executorId: 'notifier-it',
  })
  await h.start()
})
afterAll(async () => {
  await executor?.stop()
  await runner?.close()
  await orchestrator?.stop()
  await h?.close()
  await env?.cleanup()
})

/** The seed's request, as ingest would have appended it, with a callback URL. */
async function requestSweep(callbackUrl: string): Promise<string> {
  const jobId = randomUUID()
  const params = SweepParams.parse({
    ticker: 'BTC-USD',
    fast_range: [10, 20],
    slow_range: [20, 30],
    step: 5,
    strategy_type: 'SMA',
    min_trades: 50,
    signal_period: 9,
    interval: '1d',
    fee: 0.001,
    init_cash: 1000,
    priority: 5,
    max_attempts: 3,
    callback_url: callbackUrl,
  })
  await appendSweepRequested(env, jobId, params, testMetadata(jobId, 'local', 'acceptance'))
  return jobId
}

describe('issue 8, acceptance 4: notifications of a completed sweep', () => {
  it('sends one email with the best pair, one Slack message and one signed callback; redelivering the log sends nothing more', async () => {
    const jobId = await requestSweep(`${h.web.url}/client-hook`)
    const sent = await eventually(async () => {
      const a = h.about(jobId)
      return a.emails.length === 1 &&
        a.slack.length === 1 &&
        a.callbacks.length === 1 &&
        (await consumerIdle(env))
        ? a
        : undefined
    }, 30_000)

    // The callback: the client's URL, signed with the tenant's secret, a valid OutcomeCallback.
    const cb = sent.callbacks[0]!
    expect(cb.path).toBe('/client-hook')
    expect(signatureValid(cb.headers['x-zixly-signature'], cb.body, SECRETS.local!)).toBe(true)
    const body = OutcomeCallback.parse(JSON.parse(cb.body))
    expect(body).toMatchObject({
      event: 'sweep.completed',
      job_id: jobId,
      status: 'COMPLETED',
      ticker: 'BTC-USD',
      strategy_type: 'SMA',
      total_combinations: 8,
    })
    expect(cb.headers['x-zixly-event-id']).toBe(body.event_id)

    // The email names the best pair the sweep found, with its score; Slack says the same.
    const best = body.best
    expect(best).not.toBeNull()
    const pair = `fast ${best!.fast_period} / slow ${best!.slow_period}`
    const mail = sent.emails[0]!
    expect(mail.subject).toContain(`best ${pair}`)
    expect(mail.text).toContain(`Best pair: ${pair}`)
    expect(mail.text).toContain(best!.score.toFixed(4))
    expect(mail.text).toContain('BTC-USD')
    expect(JSON.stringify(mail.to)).toContain('ops@local.test')
    expect(sent.slack[0]!.body).toContain(pair)

    // Redeliver the whole log, the terminal event included, to a restarted notifier.
    await h.stop()
    const jsm = await env.nc.jetstreamManager()
    await jsm.consumers.delete(env.names.eventsStream, 'notifier')
    await ensureJetStream(env.nc, env.names)
    const lastSeq = (await jsm.streams.info(env.names.eventsStream)).state.last_seq
    await h.start()
    await eventually(async () => {
      const info = await jsm.consumers.info(env.names.eventsStream, 'notifier')
      return info.delivered.stream_seq >= lastSeq && (await consumerIdle(env)) ? true : undefined
    }, 15_000)
    const after = h.about(jobId)
    expect([after.emails.length, after.slack.length, after.callbacks.length]).toEqual([1, 1, 1])
    const rows = await env.pool.query<{ channel: string; status: string; attempts: number }>(
      `SELECT channel, status, attempts FROM notification_deliveries WHERE job_id = $1 ORDER BY channel`,
      [jobId],
    )
    expect(rows.rows).toEqual([
      { channel: 'callback', status: 'SENT', attempts: 1 },
      { channel: 'email', status: 'SENT', attempts: 1 },
      { channel: 'slack', status: 'SENT', attempts: 1 },
    ])
  })
})
