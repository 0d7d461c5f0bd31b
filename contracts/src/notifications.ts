import { z } from 'zod'
import { SweepResultRow } from './results.ts'
import { StrategyType } from './sweep.ts'

/** The kinds of channel a job outcome can be sent to. */
export const NotificationChannelKind = z.enum(['slack', 'email', 'callback'])
export type NotificationChannelKind = z.infer<typeof NotificationChannelKind>

/** Job outcomes a channel can subscribe to (the terminal statuses). */
export const NotificationOutcome = z.enum(['COMPLETED', 'FAILED', 'CANCELLED'])
export type NotificationOutcome = z.infer<typeof NotificationOutcome>

const ALL_OUTCOMES: NotificationOutcome[] = ['COMPLETED', 'FAILED', 'CANCELLED']

/** A channel's name: unique per tenant, the third part of a delivery's key. */
export const NotificationChannelName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'lower-case letters, digits, _ and -')

const channelBase = {
  name: NotificationChannelName,
  enabled: z.boolean().default(true),
  outcomes: z.array(NotificationOutcome).min(1).default(ALL_OUTCOMES),
}

/** A Slack incoming webhook (the URL is a secret: it is never logged). */
export const SlackChannelConfig = z.strictObject({ webhook_url: z.url({ protocol: /^https?$/ }).max(2048) })
/** Email through the installation's SMTP relay, to these recipients. */
export const EmailChannelConfig = z.strictObject({
  to: z.array(z.email()).min(1).max(50),
  from: z.string().min(3).max(320).optional(),
})
/** The signed callback to the `callback_url` a request gave; nothing to configure but whether it is on. */
export const CallbackChannelConfig = z.strictObject({})

/** One notification channel of a tenant, as the `notification_channels` table and the environment give it. */
export const NotificationChannel = z.discriminatedUnion('kind', [
  z.object({ ...channelBase, kind: z.literal('slack'), config: SlackChannelConfig }),
  z.object({ ...channelBase, kind: z.literal('email'), config: EmailChannelConfig }),
  z.object({ ...channelBase, kind: z.literal('callback'), config: CallbackChannelConfig.default({}) }),
])
export type NotificationChannel = z.infer<typeof NotificationChannel>
export type NotificationChannelInput = z.input<typeof NotificationChannel>

/** State of one delivery (job × outcome event × channel) in `notification_deliveries`. */
export const NotificationDeliveryStatus = z.enum(['PENDING', 'SENDING', 'RETRYING', 'SENT', 'FAILED'])
export type NotificationDeliveryStatus = z.infer<typeof NotificationDeliveryStatus>

/** The body of the signed callback POSTed to a request's `callback_url` when its job ends. */
export const OutcomeCallback = z.object({
  /** `sweep.completed` | `sweep.failed` | `sweep.cancelled`. */
  event: z.enum(['sweep.completed', 'sweep.failed', 'sweep.cancelled']),
  /** Id of the terminal event in the log: the same on every retry, so a receiver can drop repeats. */
  event_id: z.string(),
  job_id: z.uuid(),
  status: NotificationOutcome,
  occurred_at: z.iso.datetime(),
  ticker: z.string(),
  strategy_type: StrategyType,
  fast_range: z.tuple([z.number().int(), z.number().int()]),
  slow_range: z.tuple([z.number().int(), z.number().int()]),
  step: z.number().int(),
  /** Completed jobs: the best ranked combination (null when none reached `min_trades`). */
  best: SweepResultRow.nullable(),
  total_combinations: z.number().int().nullable(),
  ranked_combinations: z.number().int().nullable(),
  /** Failed or cancelled jobs: why. */
  reason: z.string().nullable(),
  status_url: z.string(),
})
export type OutcomeCallback = z.infer<typeof OutcomeCallback>

/** Headers of the outcome callback. The signature scheme is the incoming webhooks' one. */
export const CALLBACK_HEADERS = {
  signature: 'x-zixly-signature',
  event: 'x-zixly-event',
  eventId: 'x-zixly-event-id',
  jobId: 'x-job-id',
} as const
