import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { randomUUID } from 'node:crypto'
import { eventually, isolatedEnv, type TestEnv } from '../../../test/support/env.ts'
import { deliverOutcome } from '../src/deliver.ts'
import { outcomeOf } from '../src/outcome.ts'
import { makeSender } from '../src/senders.ts'
import { appendJob, consumerIdle, counter, notifierHarness, SECRETS, signatureValid } from './harness.ts'
import { cancelled, completed, failed, params } from './fixtures.ts'

let env: TestEnv
let h: Awaited<ReturnType<typeof notifierHarness>>

// /flaky answers 503 twice, then 200; /gone is a hook that was deleted; /slow takes 300 ms.
const respond = (path: string, nth: number) =>
  path === '/flaky'
    ? nth <= 2
      ? 503
      : 200
    : path === '/gone'
      ? 410
      : path === '/slack-slow'
        ? { status: 200, delayMs: 300 }
        : 200

beforeAll(async () => {
  env = await isolatedEnv('notifier')
  h = await notifierHarness(env, { respond })
  await h.start()
})
afterAll(async () => {
  await h?.close()
  await env?.cleanup()
})

const delivery = async (jobId: string, channel: string) =>
  (
    await env.pool.query<{ status: string; attempts: number; last_error: string | null }>(
      `SELECT status, attempts, last_error FROM notification_deliveries WHERE job_id = $1 AND channel = $2`,
      [jobId, channel],
    )
  ).rows[0]

describe('notifier deliveries', () => {
  it('retries a callback that answers 503 with backoff, sending the same event id and body each time, until it is taken', async () => {
    const jobId = randomUUID()
    await appendJob(env, { ...params, callback_url: `${h.web.url}/flaky` }, completed({ jobId }))
    const row = await eventually(async () => {
      const r = await delivery(jobId, 'callback')
      return r?.status === 'SENT' ? r : undefined
    })
    expect(row).toMatchObject({ status: 'SENT', attempts: 3 })
    const calls = h.about(jobId).callbacks
    expect(calls).toHaveLength(3)
    expect(new Set(calls.map((c) => c.headers['x-zixly-event-id']))).toEqual(
      new Set([`SweepCompleted:${jobId}:1`]),
    )
    expect(new Set(calls.map((c) => c.body)).size).toBe(1)
    for (const c of calls)
      expect(signatureValid(c.headers['x-zixly-signature'], c.body, SECRETS.local!)).toBe(true)
    expect(
      await counter(h.metrics, 'zixly_notifications_total', { channel: 'callback', result: 'retrying' }),
    ).toBeGreaterThanOrEqual(2)
    // The other channels of the job went out once each, and the event was acked in the end.
    await eventually(async () => ((await consumerIdle(env)) ? true : undefined))
    expect(h.about(jobId).emails).toHaveLength(1)
    expect(h.about(jobId).slack).toHaveLength(1)
  })

  it("sends a callback and a Slack message in the job's trace: their traceparent carries the trace id of the job's events", async () => {
    const jobId = randomUUID()
    const traceId = randomUUID().replaceAll('-', '')
    const event = completed({ jobId })
    await appendJob(env, { ...params, callback_url: `${h.web.url}/traced` }, {
      ...event,
      metadata: { ...event.metadata, traceparent: `00-${traceId}-${'1'.repeat(16)}-01` },
    })
    const calls = await eventually(async () => {
      const about = h.about(jobId)
      return about.callbacks.length > 0 && about.slack.length > 0 ? about : undefined
    })
    for (const c of [...calls.callbacks, ...calls.slack]) {
      const tp = String(c.headers.traceparent)
      expect(tp).toMatch(/^00-[\da-f]{32}-[\da-f]{16}-0[01]$/)
      expect(tp.split('-')[1]).toBe(traceId)
    }
  })

  it("uses a tenant's own channels from notification_channels, and makes a permanent failure visible without retrying it", async () => {
    await env.pool.query(
      `INSERT INTO notification_channels (tenant_id, name, kind, enabled, outcomes, config) VALUES
         ('acme', 'ops-mail', 'email', true, '{FAILED,CANCELLED}', '{"to":["ops@acme.test"]}'),
         ('acme', 'slack', 'slack', true, '{FAILED}', $1),
         ('acme', 'callback', 'callback', false, '{COMPLETED,FAILED,CANCELLED}', '{}')`,
      [JSON.stringify({ webhook_url: `${h.web.url}/gone` })],
    )
    const failedJob = randomUUID()
    const cancelledJob = randomUUID()
    const before = await counter(h.metrics, 'zixly_notifications_total', {
      channel: 'slack',
      result: 'failed',
    })
    await appendJob(
      env,
      { ...params, callback_url: `${h.web.url}/cb` },
      failed({ jobId: failedJob, tenantId: 'acme' }),
    )
    await appendJob(env, params, cancelled({ jobId: cancelledJob, tenantId: 'acme' }))

    const slack = await eventually(async () => {
      const r = await delivery(failedJob, 'slack')
      return r?.status === 'FAILED' ? r : undefined
    })
    expect(slack).toMatchObject({ attempts: 1, last_error: expect.stringContaining('410') })
    expect(
      await counter(h.metrics, 'zixly_notifications_total', { channel: 'slack', result: 'failed' }),
    ).toBe(before + 1)
    expect(
      h.logs.some(
        (l) => l.msg === 'notification failed for good' && l.job_id === failedJob && l.channel === 'slack',
      ),
    ).toBe(true)

    await eventually(async () =>
      h.about(cancelledJob).emails.length === 1 && (await consumerIdle(env)) ? true : undefined,
    )
    const mail = h.about(failedJob).emails
    expect(mail).toHaveLength(1)
    expect(mail[0]!.text).toContain('NOT_ENOUGH_BARS')
    expect(JSON.stringify(mail[0]!.to)).toContain('ops@acme.test')
    expect(h.about(cancelledJob).emails[0]!.subject).toContain('was cancelled')
    // The Slack row subscribes to failures only; the tenant turned callbacks off; local's defaults are not acme's.
    expect(h.web.to('/gone')).toHaveLength(1)
    expect(h.about(failedJob).callbacks).toHaveLength(0)
    expect(h.about(cancelledJob).slack).toHaveLength(0)
  })

  it('resends once a delivery whose sender died between sending and recording (lease expired), and only then', async () => {
    const jobId = randomUUID()
    const eventId = `SweepCompleted:${jobId}:1`
    // A sender claimed the Slack delivery and died; its lease ends 1.5 s from now.
    await env.pool.query(
      `INSERT INTO notification_deliveries (job_id, event_id, channel, tenant_id, kind, outcome, status, attempts, claimed_until)
       VALUES ($1, $2, 'slack', 'local', 'slack', 'COMPLETED', 'SENDING', 1, now() + interval '1500 milliseconds')`,
      [jobId, eventId],
    )
    await appendJob(env, params, completed({ jobId }))
    await eventually(async () => (h.about(jobId).emails.length === 1 ? true : undefined))
    expect(h.about(jobId).slack).toHaveLength(0)
    const row = await eventually(async () => {
      const r = await delivery(jobId, 'slack')
      return r?.status === 'SENT' ? r : undefined
    })
    expect(row.attempts).toBe(2)
    expect(h.about(jobId).slack).toHaveLength(1)
  })

  it('two notifiers handling the same outcome at once send it once', async () => {
    const jobId = randomUUID()
    const o = outcomeOf(completed({ jobId }), params)
    const deps = {
      ...h.deliver,
      defaultsFor: () => [
        {
          name: 'slack',
          kind: 'slack' as const,
          enabled: true,
          outcomes: ['COMPLETED' as const],
          config: { webhook_url: `${h.web.url}/slack-slow` },
        },
      ],
    }
    const results = await Promise.all([
      deliverOutcome(deps, o),
      deliverOutcome(deps, o),
      deliverOutcome(deps, o),
    ])
    expect(h.web.to('/slack-slow').filter((r) => r.body.includes(jobId))).toHaveLength(1)
    // The losers report the delivery as still in flight (the winner's lease), not as done.
    expect(results.filter((r) => r.waitMs === null).length).toBeGreaterThanOrEqual(1)
    expect(await delivery(jobId, 'slack')).toMatchObject({ status: 'SENT', attempts: 1 })
  })

  it('records a delivery that cannot be made as FAILED with the reason: no SMTP relay, no signing secret', async () => {
    const jobId = randomUUID()
    const o = outcomeOf(completed({ jobId, tenantId: 'nosecret' }), {
      ...params,
      callback_url: `${h.web.url}/cb`,
    })
    const send = makeSender({
      mailer: null,
      emailFrom: 'x@y.test',
      signingSecretOf: async () => null,
      links: { job: (id) => id },
      now: () => new Date(),
      timeoutMs: 1000,
    })
    const email = {
      name: 'email',
      kind: 'email' as const,
      enabled: true,
      outcomes: ['COMPLETED' as const],
      config: { to: ['a@b.test'] },
    }
    const r = await deliverOutcome({ ...h.deliver, send, defaultsFor: () => [email] }, o)
    expect(r.waitMs).toBeNull()
    expect(await delivery(jobId, 'email')).toMatchObject({
      status: 'FAILED',
      last_error: expect.stringContaining('SMTP_NOT_CONFIGURED'),
    })
    expect(await delivery(jobId, 'callback')).toMatchObject({
      status: 'FAILED',
      last_error: expect.stringContaining('NO_SIGNING_SECRET'),
    })
    expect(h.about(jobId).callbacks).toHaveLength(0)
  })
})
