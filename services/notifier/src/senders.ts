import type { NotificationChannel } from '@zixly/contracts'
import { signWebhook } from '@zixly/auth'
import { describe, inChildSpan, sha256, SpanKind, withTraceHeaders, ZixlyError } from '@zixly/platform'
import { CALLBACK_HEADERS } from '@zixly/contracts'
import { callbackBody, type Outcome } from './outcome.ts'
import { emailMessage, slackMessage, type Links } from './render.ts'

/** A delivery attempt failed; `retryable` says whether another attempt may succeed. */
export class DeliveryError extends ZixlyError {
  constructor(code: string, message: string, retryable: boolean, cause?: unknown) {
    super(code, 502, message, { retryable, ...(cause === undefined ? {} : { cause }) })
  }
}

/** The part of a nodemailer transport the email channel uses. */
export interface Mailer {
  sendMail(mail: {
    from: string
    to: string[]
    subject: string
    text: string
    messageId: string
    headers: Record<string, string>
  }): Promise<unknown>
}

export interface SenderDeps {
  /** null when no SMTP relay is configured: email deliveries then fail visibly. */
  mailer: Mailer | null
  emailFrom: string
  /** The tenant's webhook signing secret; callbacks are never sent unsigned. */
  signingSecretOf: (tenantId: string) => Promise<string | null>
  links: Links
  now: () => Date
  timeoutMs: number
  fetch?: typeof fetch
}

/** Sends one outcome to one channel, or throws DeliveryError. */
export type Send = (channel: NotificationChannel, o: Outcome) => Promise<void>

export function makeSender(deps: SenderDeps): Send {
  const doFetch = deps.fetch ?? fetch

  // Only the host is ever named in an error: a Slack webhook URL is a credential.
  async function post(
    url: string,
    body: string,
    headers: Record<string, string>,
    what: string,
  ): Promise<void> {
    const host = new URL(url).host
    let res: Response
    try {
      // A client span in the job's trace; its traceparent header lets the receiver continue the trace.
      res = await inChildSpan(
        `notifier POST ${what}`,
        undefined,
        { kind: SpanKind.CLIENT, service: 'notifier', attributes: { 'zixly.service': 'notifier', 'http.request.method': 'POST', 'server.address': host } },
        async (span) => {
          const r = await doFetch(url, {
            method: 'POST',
            headers: withTraceHeaders({ 'content-type': 'application/json', 'user-agent': 'zixly-notifier', ...headers }),
            body,
            redirect: 'manual',
            signal: AbortSignal.timeout(deps.timeoutMs),
          })
          span.setAttribute('http.response.status_code', r.status)
          return r
        },
      )
    } catch (err) {
      throw new DeliveryError('UNREACHABLE', `${what} to ${host}: ${describe(err)}`, true, err)
    }
    await res.body?.cancel().catch(() => {})
    if (res.ok) return
    // Timeouts, throttling and server errors may pass later; any other answer will not change.
    const retryable = res.status === 408 || res.status === 425 || res.status === 429 || res.status >= 500
    throw new DeliveryError(`HTTP_${res.status}`, `${what} to ${host} answered ${res.status}`, retryable)
  }

  return async (channel, o) => {
    switch (channel.kind) {
      case 'slack':
        return post(
          channel.config.webhook_url,
          JSON.stringify(slackMessage(o, deps.links)),
          {},
          'slack webhook',
        )
      case 'callback': {
        const url = o.params?.callback_url
        if (!url) throw new DeliveryError('NO_CALLBACK_URL', 'the request gave no callback_url', false)
        const secret = await deps.signingSecretOf(o.tenantId)
        if (!secret)
          throw new DeliveryError('NO_SIGNING_SECRET', `tenant ${o.tenantId} has no signing secret`, false)
        const body = JSON.stringify(callbackBody(o))
        return post(
          url,
          body,
          {
            [CALLBACK_HEADERS.signature]: signWebhook(secret, body, Math.floor(deps.now().getTime() / 1000)),
            [CALLBACK_HEADERS.event]: `sweep.${o.status.toLowerCase()}`,
            [CALLBACK_HEADERS.eventId]: o.event.id,
            [CALLBACK_HEADERS.jobId]: o.jobId,
          },
          'callback',
        )
      }
      case 'email': {
        if (!deps.mailer)
          throw new DeliveryError('SMTP_NOT_CONFIGURED', 'no SMTP relay is configured (SMTP_URL)', false)
        const { subject, text } = emailMessage(o, deps.links)
        try {
          await deps.mailer.sendMail({
            from: channel.config.from ?? deps.emailFrom,
            to: channel.config.to,
            subject,
            text,
            // The same Message-ID on a resend lets mail clients fold the two into one.
            messageId: `<${sha256(`${o.event.id}\n${channel.name}`).slice(0, 40)}@zixly.notifier>`,
            headers: { 'X-Zixly-Event-Id': o.event.id, 'X-Job-ID': o.jobId },
          })
        } catch (err) {
          const e = err as { responseCode?: unknown; code?: unknown }
          const permanent =
            (typeof e.responseCode === 'number' && e.responseCode >= 500) ||
            e.code === 'EENVELOPE' ||
            e.code === 'EMESSAGE'
          throw new DeliveryError(
            typeof e.responseCode === 'number' ? `SMTP_${e.responseCode}` : 'SMTP_ERROR',
            `email: ${describe(err)}`,
            !permanent,
            err,
          )
        }
        return
      }
    }
  }
}
