/** How a failed delivery is retried. */
export interface RetryPolicy {
  /** Attempts per delivery, the first included; after the last one it is recorded FAILED. */
  readonly maxAttempts: number
  /** Wait before the second attempt; each next wait doubles, up to `maxMs`. */
  readonly baseMs: number
  readonly maxMs: number
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 8, baseMs: 2000, maxMs: 10 * 60_000 }

/** Wait after attempt `attempt` (1-based) failed; `jitter` in [0, 1) spreads retries of many deliveries. */
export function backoffMs(attempt: number, policy: RetryPolicy, jitter = 0): number {
  const exp = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1))
  return Math.round(Math.min(policy.maxMs, exp * (1 + 0.2 * jitter)))
}

/** What to record after an attempt: sent, retry after a wait, or failed for good. */
export type AttemptResult =
  { status: 'SENT' } | { status: 'RETRYING'; delayMs: number } | { status: 'FAILED' }

export function afterAttempt(
  attempt: number,
  error: { retryable: boolean } | null,
  policy: RetryPolicy,
  jitter = 0,
): AttemptResult {
  if (error === null) return { status: 'SENT' }
  if (!error.retryable || attempt >= policy.maxAttempts) return { status: 'FAILED' }
  return { status: 'RETRYING', delayMs: backoffMs(attempt, policy, jitter) }
}
