import type { NotificationChannel, SweepEvent, SweepParams } from '@zixly/contracts'
import { appendMessage, createLogger, createMetrics } from '@zixly/platform'
import nodemailer from 'nodemailer'
import { checkSignature } from '@zixly/auth'
import type { TestEnv } from '../../../test/support/env.ts'
import type { DeliverDeps } from '../src/deliver.ts'
import type { TerminalEvent } from '../src/outcome.ts'
import { makeSender } from '../src/senders.ts'
import { startNotifier } from '../src/shell.ts'
import { makeDeliveryStore } from '../src/store.ts'
import { startHttp, startSmtp } from './servers.ts'

export const SECRETS: Record<string, string> = {
  local: 'local-signing-secret-0123456789',
  acme: 'acme-signing-secret-0123456789',
}

/** A notifier wired to a real SMTP server and an HTTP server (Slack + callbacks), with captured logs and metrics. */
export async function notifierHarness(
  env: TestEnv,
  opts: { respond?: Parameters<typeof startHttp>[0]; maxAttempts?: number } = {},
) {
  const smtp = await startSmtp()
  const web = await startHttp(opts.respond)
  const mailer = nodemailer.createTransport({
    host: '127.0.0.1',
    port: smtp.port,
    secure: false,
    ignoreTLS: true,
  })
  const metrics = createMetrics('notifier')
  const logs: Array<Record<string, unknown>> = []
  const logger = createLogger('notifier', 'info', {
    write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>),
  })
  const defaults: NotificationChannel[] = [
    {
      name: 'slack',
      kind: 'slack',
      enabled: true,
      outcomes: ['COMPLETED', 'FAILED', 'CANCELLED'],
      config: { webhook_url: `${web.url}/slack` },
    },
    {
      name: 'email',
      kind: 'email',
      enabled: true,
      outcomes: ['COMPLETED', 'FAILED', 'CANCELLED'],
      config: { to: ['ops@local.test'] },
    },
  ]
  const deliver: Omit<DeliverDeps, 'logger'> = {
    store: makeDeliveryStore(env.pool),
    send: makeSender({
      mailer,
      emailFrom: 'Zixly <zixly@local.test>',
      signingSecretOf: async (t) => SECRETS[t] ?? null,
      links: { job: (id) => `http://dash.test/jobs/${id}` },
      now: () => new Date(),
      timeoutMs: 2000,
    }),
    policy: { maxAttempts: opts.maxAttempts ?? 4, baseMs: 100, maxMs: 400 },
    leaseMs: 5000,
    defaultsFor: (t) => (t === 'local' ? defaults : []),
    callbacks: true,
    metrics,
  }
  let running: Awaited<ReturnType<typeof startNotifier>> | null = null
  return {
    smtp,
    web,
    metrics,
    logs,
    deliver: { ...deliver, logger },
    async start() {
      running = await startNotifier({ nc: env.nc, names: env.names, logger, deliver })
    },
    async stop() {
      await running?.stop()
      running = null
    },
    async close() {
      await this.stop()
      mailer.close()
      await Promise.all([smtp.close(), web.close()])
    },
    /** Captured mail, Slack posts and callbacks about one job. */
    about(jobId: string) {
      return {
        emails: smtp.messages.filter((m) => m.headers.get('x-job-id') === jobId),
        slack: web.requests.filter((r) => r.path.startsWith('/slack') && r.body.includes(jobId)),
        callbacks: web.requests.filter((r) => r.headers['x-job-id'] === jobId),
      }
    },
  }
}

/** Whether a callback's X-Zixly-Signature is what ingest accepts on an incoming webhook (same check). */
export function signatureValid(header: string | string[] | undefined, body: string, secret: string): boolean {
  return checkSignature({
    header: typeof header === 'string' ? header : undefined,
    rawBody: body,
    secret,
    nowSeconds: Math.floor(Date.now() / 1000),
  }).ok
}

/** Appends a job's SweepRequested and then its terminal event, as the pipeline would. */
export async function appendJob(env: TestEnv, params: SweepParams, terminal: TerminalEvent): Promise<void> {
  const js = env.nc.jetstream()
  const { tenantId } = terminal.metadata
  const jobId = terminal.data.job_id
  const subject = env.names.eventSubject(tenantId, jobId)
  const requested: SweepEvent = {
    id: `SweepRequested:${jobId}`,
    type: 'SweepRequested',
    version: 2,
    data: { job_id: jobId, params },
    metadata: { ...terminal.metadata, causationId: 'test' },
  }
  await appendMessage(js, subject, requested, { expectedLastSubjectSeq: 0 })
  await appendMessage(js, subject, terminal)
}

/** Acked everything: nothing pending and nothing awaiting an ack on the durable `notifier`. */
export async function consumerIdle(env: TestEnv): Promise<boolean> {
  const jsm = await env.nc.jetstreamManager()
  const info = await jsm.consumers.info(env.names.eventsStream, 'notifier')
  return info.num_pending === 0 && info.num_ack_pending === 0
}

/** A counter's value for some labels, from the registry. */
export async function counter(
  metrics: ReturnType<typeof createMetrics>,
  name: string,
  labels: Record<string, string>,
): Promise<number> {
  const m = (await metrics.registry.getMetricsAsJSON()).find((x) => x.name === name)
  const v = m?.values.find((x) => Object.entries(labels).every(([k, val]) => x.labels[k] === val))
  return v?.value ?? 0
}
