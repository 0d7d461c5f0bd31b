import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { workerBundle } from '@zixly/platform/worker-bundle'
import { AbortError, WorkerCrashedError } from './errors.ts'
import { sortedOrder } from './job.ts'
import { SLOTS } from './metrics.ts'
import type { ToPool, ToWorker } from './protocol.ts'
import { rankedRows } from './rows.ts'
import { scatter } from './sweep.ts'
import { assertCloses, parseSweepSpec } from './spec.ts'
import type { ResultRow, SweepRunOptions, SweepSpec } from './types.ts'

// Workers need worker.ts (TypeScript) without a build step, the same way under vitest, tsx and
// `node --import tsx`. First choice: worker.ts and its imports bundled in memory (workerBundle). Fallback
// when esbuild cannot run: worker-entry.mjs, which registers tsx in the worker itself.
const WORKER_ENTRY = new URL('./worker.ts', import.meta.url)
const workerCode = () => workerBundle(WORKER_ENTRY)
const FALLBACK_ENTRY = new URL('./worker-entry.mjs', import.meta.url)
/** A worker that has not stopped this long after an abort is terminated (and replaced). */
const STOP_GRACE_MS = 500

interface Slot {
  worker: Worker
  busy: { run: Run; start: number; end: number } | null
}

interface Run {
  id: number
  spec: SweepSpec
  total: number
  next: number
  done: number
  packed: Float64Array
  order: Int32Array
  job: Extract<ToWorker, { type: 'job' }>
  abortFlag: Int32Array
  sentTo: WeakSet<Slot>
  opts: SweepRunOptions
  settled: boolean
  resolve: (rows: ResultRow[]) => void
  reject: (error: unknown) => void
  cleanup: () => void
}

function shared(bytes: number): SharedArrayBuffer {
  return new SharedArrayBuffer(Math.max(bytes, 8))
}

/** worker_threads pool; same rows as runSweep whatever the number of workers. */
export class SweepPool {
  readonly size: number
  private readonly slots: Slot[] = []
  private runs: Run[] = []
  private nextId = 1
  private closed = false

  /** How workers load the TypeScript source: an in-memory esbuild bundle, or tsx inside the worker. */
  readonly loader: 'bundle' | 'tsx'

  constructor(opts: { workers?: number; loader?: 'bundle' | 'tsx' } = {}) {
    this.size = Math.max(1, Math.floor(opts.workers ?? availableParallelism()))
    this.loader = opts.loader === 'tsx' || workerCode() === null ? 'tsx' : 'bundle'
    for (let i = 0; i < this.size; i++) this.slots.push(this.spawn())
  }

  run(closes: Float64Array, spec: SweepSpec, opts: SweepRunOptions = {}): Promise<ResultRow[]> {
    if (this.closed) return Promise.reject(new Error('SweepPool is closed'))
    let valid: SweepSpec
    try {
      valid = parseSweepSpec(spec)
      assertCloses(closes)
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)))
    }
    const signal = opts.signal
    if (signal?.aborted === true) return Promise.reject(new AbortError(signal.reason))

    return new Promise<ResultRow[]>((resolve, reject) => {
      const total = valid.pairs.length
      const closesBuf = shared(closes.byteLength)
      new Float64Array(closesBuf).set(closes)
      const pairsBuf = shared(total * 8)
      const flat = new Int32Array(pairsBuf)
      valid.pairs.forEach(([f, s], i) => {
        flat[2 * i] = f
        flat[2 * i + 1] = s
      })
      const orderBuf = shared(total * 4)
      const order = new Int32Array(orderBuf, 0, total)
      order.set(sortedOrder(valid.pairs))
      const abortBuf = shared(4)
      const { pairs: _pairs, ...options } = valid
      const id = this.nextId++
      const onAbort = (): void => this.fail(run, new AbortError(signal?.reason))
      const run: Run = {
        id,
        spec: valid,
        total,
        next: 0,
        done: 0,
        packed: new Float64Array(total * SLOTS),
        order,
        job: { type: 'job', id, closes: closesBuf, pairs: pairsBuf, order: orderBuf, abort: abortBuf, options },
        abortFlag: new Int32Array(abortBuf),
        sentTo: new WeakSet(),
        opts,
        settled: false,
        resolve,
        reject,
        cleanup: () => signal?.removeEventListener('abort', onAbort),
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      this.runs.push(run)
      if (total === 0) this.finish(run)
      else this.dispatch()
    })
  }

  async close(): Promise<void> {
    this.closed = true
    for (const run of [...this.runs]) this.fail(run, new Error('SweepPool closed'))
    await Promise.all(this.slots.map((s) => s.worker.terminate()))
  }

  private spawn(): Slot {
    const code = this.loader === 'bundle' ? workerCode() : null
    const worker = code === null ? new Worker(FALLBACK_ENTRY, { execArgv: [] }) : new Worker(code, { eval: true, execArgv: [] })
    const slot: Slot = { worker, busy: null }
    worker.unref() // an idle pool never keeps the process alive
    worker.on('message', (msg: ToPool) => this.onMessage(slot, msg))
    worker.on('error', (error) => this.onCrash(slot, error))
    worker.on('exit', (code) => this.onCrash(slot, new WorkerCrashedError(`engine worker exited with code ${code}`)))
    return slot
  }

  /** Hands the next chunk of the oldest unfinished run to every idle worker. */
  private dispatch(): void {
    for (const slot of this.slots) {
      if (slot.busy !== null) continue
      const run = this.runs.find((r) => !r.settled && r.next < r.total)
      if (run === undefined) return
      const start = run.next
      // guided: big chunks first, smaller towards the end so all workers finish together; a chunk
      // ends where the slow window changes, so no slow indicator is computed by two workers
      let end = Math.min(run.total, start + Math.max(16, Math.ceil((run.total - start) / (3 * this.size))))
      const slowAt = (k: number): number => run.spec.pairs[run.order[k]!]![1]
      const limit = Math.min(run.total, end + 256)
      while (end < limit && slowAt(end) === slowAt(end - 1)) end++
      run.next = end
      if (!run.sentTo.has(slot)) {
        slot.worker.postMessage(run.job)
        run.sentTo.add(slot)
      }
      slot.busy = { run, start, end }
      slot.worker.ref()
      slot.worker.postMessage({ type: 'chunk', id: run.id, start, end } satisfies ToWorker)
    }
  }

  private idle(slot: Slot): void {
    slot.busy = null
    slot.worker.unref()
    this.dispatch()
  }

  private onMessage(slot: Slot, msg: ToPool): void {
    const task = slot.busy
    if (task === null || task.run.id !== msg.id || task.start !== msg.start) return
    const run = task.run
    if (msg.type === 'error') {
      this.fail(run, new WorkerCrashedError(`engine worker failed: ${msg.message}`))
    } else if (msg.type === 'done' && !run.settled) {
      scatter(run.packed, msg.out, run.order, task.start, task.end)
      run.done += task.end - task.start
      try {
        run.opts.onProgress?.(run.done, run.total)
      } catch (error) {
        this.fail(run, error)
      }
      if (run.done === run.total) this.finish(run)
    }
    this.idle(slot)
  }

  private onCrash(slot: Slot, error: Error): void {
    const index = this.slots.indexOf(slot)
    if (index < 0) return // already replaced
    const task = slot.busy
    slot.busy = null
    if (this.closed) return
    this.slots[index] = this.spawn()
    if (task !== null) this.fail(task.run, error instanceof WorkerCrashedError ? error : new WorkerCrashedError(error.message, { cause: error }))
    this.dispatch()
  }

  private finish(run: Run): void {
    if (run.settled) return
    this.settle(run)
    try {
      run.resolve(rankedRows(run.packed, run.spec))
    } catch (error) {
      run.reject(error)
    }
  }

  /** Rejects now; workers stop at their next pair (the shared flag), or are replaced after a grace period. */
  private fail(run: Run, error: unknown): void {
    if (run.settled) return
    Atomics.store(run.abortFlag, 0, 1)
    this.settle(run)
    run.reject(error)
    const stuck = this.slots.filter((s) => s.busy?.run === run)
    if (stuck.length === 0) return
    setTimeout(() => {
      for (const slot of stuck) {
        if (slot.busy?.run === run && this.slots.includes(slot)) void slot.worker.terminate() // exit → onCrash respawns
      }
    }, STOP_GRACE_MS).unref()
  }

  private settle(run: Run): void {
    run.settled = true
    run.cleanup()
    this.runs = this.runs.filter((r) => r !== run)
    for (const slot of this.slots) {
      if (run.sentTo.has(slot)) slot.worker.postMessage({ type: 'release', id: run.id } satisfies ToWorker)
    }
  }
}
