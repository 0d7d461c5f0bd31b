import type { NotificationChannel, NotificationOutcome } from '@zixly/contracts'

/** The callback channel every tenant has unless it turns it off: it only fires when a request gave a `callback_url`. */
export const IMPLICIT_CALLBACK: NotificationChannel = {
  name: 'callback',
  kind: 'callback',
  enabled: true,
  outcomes: ['COMPLETED', 'FAILED', 'CANCELLED'],
  config: {},
}

/**
 * The channels an outcome goes to. A tenant's rows win over the environment's defaults of the same
 * name (defaults apply to the default tenant only); the implicit callback channel is added unless a
 * channel named `callback` exists; disabled channels, channels not subscribed to this outcome, and
 * the callback when the request gave no URL are left out.
 */
export function channelsFor(input: {
  rows: readonly NotificationChannel[]
  defaults: readonly NotificationChannel[]
  outcome: NotificationOutcome
  hasCallbackUrl: boolean
  callbacks: boolean
}): NotificationChannel[] {
  const byName = new Map<string, NotificationChannel>()
  if (input.callbacks) byName.set(IMPLICIT_CALLBACK.name, IMPLICIT_CALLBACK)
  for (const c of input.defaults) byName.set(c.name, c)
  for (const c of input.rows) byName.set(c.name, c)
  return [...byName.values()].filter(
    (c) => c.enabled && c.outcomes.includes(input.outcome) && (c.kind !== 'callback' || input.hasCallbackUrl),
  )
}
