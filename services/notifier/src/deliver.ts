import type { NotificationChannel } from '@zixly/contracts'
import { describe, ZixlyError, type Logger, type Metrics } from '@zixly/platform'
import { channelsFor } from './channels.ts'
import type { Outcome } from './outcome.ts'
import { afterAttempt, type RetryPolicy } from './retry.ts'
import type { Send } from './senders.ts'
import type { DeliveryKey, DeliveryStore } from './store.ts'

export interface DeliverDeps {
  store: DeliveryStore
  send: Send
  policy: RetryPolicy
  /** How long a claim holds before another notifier may take the delivery over (> the send timeout). */
  leaseMs: number
  /** Channels the environment configures for a tenant (the default tenant's), before its table rows. */
  defaultsFor: (tenantId: string) => readonly NotificationChannel[]
  /** Whether the implicit callback channel exists (on unless turned off). */
  callbacks: boolean
  logger: Logger
  metrics?: Metrics | undefined
  random?: () => number
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * Sends one job outcome to each of its tenant's channels, each at most once (see store.claim).
 * Returns how long until the earliest unfinished delivery is due again, or null when every one is
 * SENT or FAILED — the shell acks then, and naks with that delay otherwise.
 */
export async function deliverOutcome(deps: DeliverDeps, o: Outcome): Promise<{ waitMs: number | null }> {
  const { store, logger } = deps
  const { channels: rows, invalid } = await store.channelsOf(o.tenantId)
  for (const bad of invalid)
    logger.warn(
      { tenant_id: o.tenantId, channel: bad.name, err: bad.error },
      'notification channel config is invalid; skipped',
    )
  const channels = channelsFor({
    rows,
    defaults: deps.defaultsFor(o.tenantId),
    outcome: o.status,
    hasCallbackUrl: o.params?.callback_url !== undefined,
    callbacks: deps.callbacks,
  })
  const waits = await Promise.all(channels.map((c) => deliverOne(deps, o, c)))
  const pending = waits.filter((w): w is number => w !== null)
  return { waitMs: pending.length === 0 ? null : Math.min(...pending) }
}

async function deliverOne(
  deps: DeliverDeps,
  o: Outcome,
  channel: NotificationChannel,
): Promise<number | null> {
  const { store, logger } = deps
  const key: DeliveryKey = { jobId: o.jobId, eventId: o.event.id, channel: channel.name }
  await store.open(key, { tenantId: o.tenantId, kind: channel.kind, outcome: o.status })
  const claim = await store.claim(key, deps.leaseMs)
  if (!claim.claimed) return 'waitMs' in claim ? claim.waitMs : null

  let error: unknown = null
  try {
    await deps.send(channel, o)
  } catch (err) {
    error = err
  }
  // An error we did not classify (a bug, a surprise from a library) is worth another try.
  const retryable = error instanceof ZixlyError ? error.retryable : true
  const result = afterAttempt(
    claim.attempt,
    error === null ? null : { retryable },
    deps.policy,
    (deps.random ?? Math.random)(),
  )
  const message = error === null ? null : describe(error)
  // Recording is retried briefly: a send whose result is not recorded is sent again after the lease.
  for (let i = 0; ; i++) {
    try {
      await store.record(key, claim.attempt, result, message)
      break
    } catch (err) {
      if (i >= 2) throw err
      await sleep(200 * (i + 1))
    }
  }
  deps.metrics?.notifications.inc({ channel: channel.kind, result: result.status.toLowerCase() })
  const fields = {
    job_id: o.jobId,
    tenant_id: o.tenantId,
    outcome: o.status,
    channel: channel.name,
    attempt: claim.attempt,
  }
  if (result.status === 'SENT') logger.info(fields, 'notification sent')
  else if (result.status === 'RETRYING')
    logger.warn({ ...fields, err: message, retryInMs: result.delayMs }, 'notification failed; will retry')
  else {
    logger.error({ ...fields, err: message }, 'notification failed for good')
    deps.metrics?.deadLetters.inc({ reason: 'notification_failed' })
  }
  return result.status === 'RETRYING' ? result.delayMs : null
}
