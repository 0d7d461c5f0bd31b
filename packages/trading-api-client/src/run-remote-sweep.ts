import {
  TRADING_API_TERMINAL_STATES,
  type NormalizedCallback,
  type SweepResultRow,
  type TradingApiJobState,
  type TradingApiSubmitted,
} from '@zixly/contracts'
import { toSubscribe, type CallbackSource } from './callbacks.ts'
import type { RemoteSweepParams, TradingApiClient } from './client.ts'
import { isTradingApiError, TradingApiError } from './errors.ts'

export interface RunRemoteSweepOptions {
  signal?: AbortSignal
  /** Callbacks for any job; those of this job end the wait early. Without it, polling alone finishes. */
  callbacks?: CallbackSource
  /** Where the Trading API should call back (ingest's `/webhook/sweep-callback`). */
  webhookUrl?: string
  webhookHeaders?: Record<string, string>
  /** First poll delay (1 s); each next one ×`pollFactor` (1.5) up to `pollMaxMs` (10 s). */
  pollIntervalMs?: number
  pollFactor?: number
  pollMaxMs?: number
  /** Consecutive retryable poll failures tolerated before giving up (3). */
  maxPollFailures?: number
  /** Limit of the whole run, submit to last result page. */
  overallTimeoutMs?: number
  /** Progress 0–100 from polls and callbacks, never decreasing. */
  onProgress?: (percent: number) => void
  /** The remote job id, as soon as it is known (to record it, or cancel it after a restart). */
  onSubmitted?: (submitted: TradingApiSubmitted) => void
}

export interface RemoteSweepResult {
  jobId: string
  sweepRunId: string
  rows: SweepResultRow[]
  /** What told us the job ended. */
  via: 'callback' | 'poll'
}

interface Seen {
  status: TradingApiJobState
  sweepRunId?: string | undefined
  errorMessage?: string | undefined
  progress?: number | undefined
}

const isTerminal = (s: TradingApiJobState) => TRADING_API_TERMINAL_STATES.includes(s)

/**
 * Submits a sweep, then takes whichever comes first — a callback for this job or a poll answer
 * (backing off from 1 s to 10 s) — until the job ends; on completion returns all result rows.
 * An abort or the overall timeout sends `DELETE` for the remote job. Every failure is a
 * `TradingApiError` whose `retryable` says whether another attempt may help.
 */
export async function runRemoteSweep(
  client: TradingApiClient,
  params: RemoteSweepParams,
  opts: RunRemoteSweepOptions = {},
): Promise<RemoteSweepResult> {
  const deadline = opts.overallTimeoutMs !== undefined ? AbortSignal.timeout(opts.overallTimeoutMs) : undefined
  const stop = [opts.signal, deadline].filter((s): s is AbortSignal => s !== undefined)
  const signal = stop.length > 0 ? AbortSignal.any(stop) : undefined

  // Listen before submitting: a quick job may call back before the submit answer arrives.
  const early: NormalizedCallback[] = []
  let wake: (() => void) | null = null
  const unsubscribe = opts.callbacks
    ? toSubscribe(opts.callbacks)((cb) => {
        early.push(cb)
        wake?.()
      })
    : () => undefined

  let jobId: string | undefined
  let lastProgress = -1
  const progress = (p: number | undefined) => {
    if (p === undefined || p <= lastProgress) return
    lastProgress = p
    opts.onProgress?.(p)
  }
  const ended = (why: 'abort' | 'deadline', cause: unknown) =>
    why === 'deadline'
      ? new TradingApiError('TRADING_API_TIMEOUT', `remote sweep did not finish within ${opts.overallTimeoutMs} ms`, {
          endpoint: 'sweep',
          ...(jobId !== undefined && { jobId }),
        })
      : new TradingApiError('TRADING_API_CANCELLED', 'remote sweep aborted by the caller', {
          endpoint: 'sweep',
          ...(jobId !== undefined && { jobId }),
          cause,
        })
  const whyStopped = (): 'abort' | 'deadline' => (opts.signal?.aborted ? 'abort' : 'deadline')

  try {
    const submitted = await client.submitSweep(params, {
      signal,
      ...(opts.webhookUrl !== undefined && { webhookUrl: opts.webhookUrl }),
      ...(opts.webhookHeaders !== undefined && { webhookHeaders: opts.webhookHeaders }),
    })
    const id = submitted.job_id
    jobId = id
    opts.onSubmitted?.(submitted)

    let delay = opts.pollIntervalMs ?? 1000
    let pollFailures = 0
    let seen: Seen = { status: submitted.status }
    let via: 'callback' | 'poll' = 'poll'
    while (!isTerminal(seen.status)) {
      const mine = takeCallback(early, id)
      if (mine) {
        seen = { status: mine.status, sweepRunId: mine.sweep_run_id, errorMessage: mine.error_message, progress: mine.progress }
        via = 'callback'
        progress(mine.progress)
        continue
      }
      const woke = await waitFor(delay, signal, (w) => (wake = w))
      wake = null
      if (signal?.aborted) throw ended(whyStopped(), signal.reason)
      if (woke === 'callback') continue
      delay = Math.min(delay * (opts.pollFactor ?? 1.5), opts.pollMaxMs ?? 10_000)
      try {
        const job = await client.getJob(id, { signal })
        pollFailures = 0
        seen = {
          status: job.status,
          sweepRunId: job.sweep_run_id ?? job.result_data?.sweep_run_id ?? sweepRunIdInOutput(job.result_data),
          errorMessage: job.error_message ?? undefined,
          progress: job.progress ?? undefined,
        }
        via = 'poll'
        progress(job.progress ?? undefined)
      } catch (err) {
        if (signal?.aborted) throw ended(whyStopped(), signal.reason)
        if (!isTradingApiError(err) || !err.retryable || err.code === 'TRADING_API_JOB_LOST') throw err
        if (++pollFailures > (opts.maxPollFailures ?? 3)) throw err
      }
    }

    if (seen.status === 'failed') client.countError('sweep', 'TRADING_API_JOB_FAILED')
    if (seen.status === 'failed')
      throw new TradingApiError('TRADING_API_JOB_FAILED', `remote job ${id} failed: ${seen.errorMessage ?? 'no reason given'}`, {
        endpoint: 'sweep',
        jobId: id,
      })
    if (seen.status === 'cancelled')
      throw new TradingApiError('TRADING_API_CANCELLED', `remote job ${id} was cancelled on the Trading API`, { endpoint: 'sweep', jobId: id })
    // A callback without sweep_run_id: ask for the job once.
    const sweepRunId = seen.sweepRunId ?? (await sweepRunIdOf(client, id, signal))
    const rows = await client.getAllResults(sweepRunId, { signal, minTrades: params.min_trades })
    progress(100)
    return { jobId: id, sweepRunId, rows, via }
  } catch (err) {
    // Once the caller aborted or the deadline passed, that is the reason, whatever failed with it.
    if (signal?.aborted) {
      if (jobId !== undefined) await client.cancelJob(jobId).catch(() => undefined) // best effort
      throw ended(whyStopped(), signal.reason)
    }
    throw err
  } finally {
    unsubscribe()
  }
}

function takeCallback(queue: NormalizedCallback[], jobId: string): NormalizedCallback | undefined {
  while (queue.length > 0) {
    const cb = queue.shift() as NormalizedCallback
    if (cb.job_id === jobId) return cb
  }
  return undefined
}

/** Sleeps `ms`, or less if a callback arrives or the signal fires. */
function waitFor(ms: number, signal: AbortSignal | undefined, onWake: (wake: () => void) => void): Promise<'timer' | 'callback' | 'abort'> {
  return new Promise((resolve) => {
    const done = (why: 'timer' | 'callback' | 'abort') => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', aborted)
      resolve(why)
    }
    const aborted = () => done('abort')
    const timer = setTimeout(() => done('timer'), ms)
    signal?.addEventListener('abort', aborted, { once: true })
    if (signal?.aborted) done('abort')
    onWake(() => done('callback'))
  })
}

async function sweepRunIdOf(client: TradingApiClient, jobId: string, signal: AbortSignal | undefined): Promise<string> {
  const job = await client.getJob(jobId, { signal })
  const id = job.sweep_run_id ?? job.result_data?.sweep_run_id ?? sweepRunIdInOutput(job.result_data)
  if (!id)
    throw new TradingApiError('TRADING_API_BAD_RESPONSE', `job ${jobId} completed without a sweep_run_id`, { endpoint: 'job', jobId })
  return id
}

/** Older builds of the real service only printed the id: "… saved to database with sweep_run_id: <uuid>". */
function sweepRunIdInOutput(resultData: unknown): string | undefined {
  const output = (resultData as { output?: unknown } | null | undefined)?.output
  if (typeof output !== 'string') return undefined
  return /sweep_run_id:\s*([0-9a-f-]{36})/i.exec(output)?.[1]
}
