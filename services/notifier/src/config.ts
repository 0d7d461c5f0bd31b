import { NotificationChannel } from '@zixly/contracts'
import { BaseConfig } from '@zixly/platform'
import { z } from 'zod'

const flag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1')

/** The notifier's environment. Channels given here are the default tenant's; table rows override them. */
export const NotifierConfig = BaseConfig.extend({
  NOTIFIER_PORT: z.coerce.number().int().min(0).max(65535).default(3014),
  /** Default tenant's Slack incoming webhook. */
  SLACK_WEBHOOK_URL: z.string().optional(),
  /** SMTP relay for every tenant's email channel, e.g. `smtp://user:pass@mail:587`. */
  SMTP_URL: z.string().optional(),
  /** Default tenant's email recipients, comma separated. */
  NOTIFY_EMAIL_TO: z.string().optional(),
  NOTIFY_EMAIL_FROM: z.string().default('Zixly <zixly@localhost>'),
  /** Signed callbacks to a request's callback_url (every tenant; a table row named "callback" can turn it off). */
  NOTIFY_CALLBACKS: flag.default(true),
  /** The default tenant's signing secret when tenant_settings holds none for it. */
  SIGNING_SECRET: z.string().min(16).optional(),
  NOTIFY_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(8),
  NOTIFY_RETRY_BASE_MS: z.coerce.number().int().min(10).default(2000),
  NOTIFY_RETRY_MAX_MS: z.coerce.number().int().min(10).default(600_000),
  NOTIFY_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  /** Base of the links in messages (the dashboard). */
  DASHBOARD_URL: z.string().default('http://localhost:3001'),
})
export type NotifierConfig = z.infer<typeof NotifierConfig>

const blank = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : v.trim())

/** The default tenant's channels from the environment (compose passes empty strings for unset ones). */
export function envChannels(config: NotifierConfig): NotificationChannel[] {
  const out: NotificationChannel[] = []
  const slack = blank(config.SLACK_WEBHOOK_URL)
  if (slack)
    out.push(NotificationChannel.parse({ name: 'slack', kind: 'slack', config: { webhook_url: slack } }))
  const to = blank(config.NOTIFY_EMAIL_TO)
  if (to)
    out.push(
      NotificationChannel.parse({
        name: 'email',
        kind: 'email',
        config: {
          to: to
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
        },
      }),
    )
  return out
}
