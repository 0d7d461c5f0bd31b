import type { SweepParams } from '@zixly/contracts'

/** The orchestrator's settings that shape decisions (from its configuration; tests pass small values). */
export interface SagaConfig {
  /** Most attempts per chain any request may ask for (`max_attempts` above it is capped). */
  readonly maxAttempts: number
  readonly retry: { readonly baseMs: number; readonly capMs: number }
  /** Per-attempt timeout when the request sets no `timeout_seconds`. */
  readonly attemptTimeoutMs: number
  /** Overall deadline of an attempt chain, from its first dispatch. */
  readonly jobDeadlineMs: number
  /**
   * How long after a deadline the orchestrator waits for the executor to report the timeout itself
   * before recording it (the executor's report is more precise; both are guarded, one wins).
   */
  readonly timeoutGraceMs: number
  /**
   * Attempts running at once across all executors, and per tenant, in slots. With `slotPairs`, a sweep
   * of fewer pairs takes only its share of a slot (down to a quarter, `admission/weight.ts`);
   * without it every sweep takes a whole slot.
   */
  readonly limits: { readonly global: number; readonly perTenant: number; readonly slotPairs?: number }
}

export const DEFAULT_SAGA_CONFIG: SagaConfig = {
  maxAttempts: 10,
  retry: { baseMs: 2000, capMs: 5 * 60_000 },
  attemptTimeoutMs: 60 * 60_000,
  jobDeadlineMs: 60 * 60_000,
  timeoutGraceMs: 5000,
  limits: { global: 4, perTenant: 4 },
}

/** Attempts this job's chain may make: what it asked for, capped by the configured maximum. */
export function attemptsAllowed(params: SweepParams, cfg: SagaConfig): number {
  return Math.max(1, Math.min(params.max_attempts, cfg.maxAttempts))
}

/** The per-attempt timeout of a job. */
export function attemptTimeoutMs(params: SweepParams, cfg: SagaConfig): number {
  return params.timeout_seconds === undefined ? cfg.attemptTimeoutMs : params.timeout_seconds * 1000
}

/**
 * Wait before `attempt` (2 = the first retry): base × 2^(attempt−2), jittered by ±20 % and capped.
 * The jitter is a hash of (job, attempt), not a random draw, so the decision stays pure and a repeated
 * decision schedules the same time; different jobs failing together still spread out.
 */
export function retryDelayMs(jobId: string, attempt: number, retry: SagaConfig['retry']): number {
  const exponential = retry.baseMs * 2 ** Math.max(0, attempt - 2)
  const jitter = 0.8 + 0.4 * unitHash(`${jobId}:${attempt}`)
  return Math.round(Math.min(retry.capMs, exponential * jitter))
}

/** FNV-1a of a string, scaled to [0, 1). */
export function unitHash(text: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h / 2 ** 32
}
