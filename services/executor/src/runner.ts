import type { SweepParams, SweepResultRow } from '@zixly/contracts'

/** A sweep whose inputs are loaded and checked; running it does the work. */
export interface PreparedSweep {
  readonly bars: number
  readonly combinations: number
  /**
   * Whether `run` finishes on the executor's own thread in moments (a small sweep in-process): it
   * takes a quarter of a concurrency slot, and no cancel is watched for while it runs.
   */
  readonly quick?: boolean
  run(opts: { signal: AbortSignal; onProgress: (done: number, total: number) => void }): Promise<SweepOutcome>
}

export interface SweepOutcome {
  readonly rows: SweepResultRow[]
  readonly bnhReturnPct: number
  /** Where the full result set was archived, when it was. */
  readonly resultsUri?: string
}

/** Which job an attempt belongs to (an adapter may need it, e.g. for its callback address). */
export interface AttemptContext {
  readonly jobId: string
  readonly tenantId: string
  readonly attempt: number
}

/** A Trading-API adapter: the bundled engine in-process, or a Trading-API-compatible server over HTTP. */
export interface SweepRunner {
  readonly name: string
  prepare(params: SweepParams, signal: AbortSignal, ctx: AttemptContext): Promise<PreparedSweep>
  close(): Promise<void>
}
