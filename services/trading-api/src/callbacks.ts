import { describe } from '@zixly/platform'
import type { Logger } from 'pino'

export interface CallbackOptions {
  fetch: typeof fetch
  /** Per attempt. */
  timeoutMs: number
  /** Attempts after the first. */
  retries: number
  /** First wait; doubles each retry. */
  backoffMs: number
  log: Logger
  sleep?: (ms: number) => Promise<void>
}

export interface CallbackOutcome {
  delivered: boolean
  /** HTTP status of the last answer; null when none came. */
  status: number | null
  attempts: number
}

const retryableStatus = (s: number) => s >= 500 || s === 429 || s === 408

/**
 * POSTs a job's status to its `webhook_url` with `X-Job-ID` and the client's own headers. Retries
 * network errors, timeouts, 408, 429 and 5xx with exponential backoff; any other answer is final.
 */
export function makeCallbackSender(opts: CallbackOptions) {
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)))
  return async function sendCallback(
    url: string,
    jobId: string,
    body: object,
    extraHeaders: Record<string, string> = {},
  ): Promise<CallbackOutcome> {
    let status: number | null = null
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await opts.fetch(url, {
          method: 'POST',
          headers: {
            ...extraHeaders,
            'content-type': 'application/json',
            'user-agent': 'Zixly-TradingAPI-Webhook/1.0',
            'x-job-id': jobId,
          },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(opts.timeoutMs),
        })
        status = res.status
        await res.body?.cancel().catch(() => undefined)
        if (res.ok) return { delivered: true, status, attempts: attempt }
        if (!retryableStatus(res.status) || attempt > opts.retries) {
          opts.log.warn({ jobId, status, attempt }, 'callback refused')
          return { delivered: false, status, attempts: attempt }
        }
      } catch (err) {
        if (attempt > opts.retries) {
          opts.log.warn({ jobId, attempt, error: describe(err) }, 'callback not delivered')
          return { delivered: false, status, attempts: attempt }
        }
      }
      await sleep(opts.backoffMs * 2 ** (attempt - 1))
    }
  }
}
export type SendCallback = ReturnType<typeof makeCallbackSender>
