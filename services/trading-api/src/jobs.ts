import {
  TRADING_API_TERMINAL_STATES,
  type SweepResultRow,
  type TradingApiJobState,
  type TradingApiSweepRequest,
} from '@zixly/contracts'

/** One job as this server keeps it (in memory only: Zixly's own event log is the durable record). */
export interface Job {
  readonly id: string
  readonly request: TradingApiSweepRequest
  /** Which dialect submitted it: decides nothing but is logged. */
  readonly dialect: 'json' | 'form'
  readonly combinations: number
  readonly createdAt: string
  status: TradingApiJobState
  /** 0–100. */
  progress: number
  startedAt: string | null
  completedAt: string | null
  errorMessage: string | null
  sweepRunId: string | null
  executionTimeSeconds: number | null
  webhookSentAt: string | null
  webhookResponseStatus: number | null
  readonly abort: AbortController
}

/** The results of one completed job, sorted by score (best first). */
export interface SweepRun {
  readonly id: string
  readonly jobId: string
  readonly ticker: string
  readonly strategyType: string
  readonly signalPeriod: number
  readonly runDate: string
  readonly rows: readonly SweepResultRow[]
}

export const isTerminal = (s: TradingApiJobState) => TRADING_API_TERMINAL_STATES.includes(s)

type Listener = (job: Job) => void

/**
 * Jobs and sweep runs in memory, bounded: past `maxJobs`, the oldest finished job is dropped with
 * its results. Pending and running jobs are never dropped; when all slots hold them, `add` refuses.
 */
export class JobStore {
  private readonly jobs = new Map<string, Job>()
  private readonly runs = new Map<string, SweepRun>()
  private readonly listeners = new Map<string, Set<Listener>>()

  constructor(private readonly maxJobs: number) {}

  /** False when every slot holds an unfinished job. */
  add(job: Job): boolean {
    if (this.jobs.size >= this.maxJobs && !this.evictOldestFinished()) return false
    this.jobs.set(job.id, job)
    return true
  }

  get(id: string): Job | undefined {
    return this.jobs.get(id)
  }

  run(id: string): SweepRun | undefined {
    return this.runs.get(id)
  }

  /** Completed runs, newest first. */
  allRuns(): SweepRun[] {
    return [...this.runs.values()].reverse()
  }

  addRun(run: SweepRun): void {
    this.runs.set(run.id, run)
  }

  counts(): Record<TradingApiJobState, number> {
    const c = { pending: 0, running: 0, completed: 0, failed: 0, cancelled: 0 }
    for (const j of this.jobs.values()) c[j.status]++
    return c
  }

  /** Applies a change to a job and tells its watchers. */
  update(job: Job, change: Partial<Omit<Job, 'id' | 'request' | 'abort'>>): void {
    Object.assign(job, change)
    for (const l of this.listeners.get(job.id) ?? []) l(job)
  }

  /** Calls `listener` on every change of a job until the returned function is called. */
  watch(id: string, listener: Listener): () => void {
    let set = this.listeners.get(id)
    if (!set) this.listeners.set(id, (set = new Set()))
    set.add(listener)
    return () => {
      set.delete(listener)
      if (set.size === 0) this.listeners.delete(id)
    }
  }

  unfinished(): Job[] {
    return [...this.jobs.values()].filter((j) => !isTerminal(j.status))
  }

  private evictOldestFinished(): boolean {
    for (const [id, job] of this.jobs) {
      if (!isTerminal(job.status)) continue
      this.jobs.delete(id)
      if (job.sweepRunId) this.runs.delete(job.sweepRunId)
      return true
    }
    return false
  }
}
