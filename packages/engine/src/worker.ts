import { parentPort } from 'node:worker_threads'
import { computeRange, prepareJob, releaseJob, type Job } from './job.ts'
import { SLOTS } from './metrics.ts'
import type { SweepSpec } from './types.ts'
import type { ToPool, ToWorker } from './protocol.ts'

// Worker side of SweepPool: holds per-job state (series, indicator cache) between chunks so each
// indicator is computed once per worker per job, and answers each chunk with one transferred buffer.

interface State {
  job: Job
  abort: Int32Array
}

const port = parentPort
if (port === null) throw new Error('worker.ts must run inside a worker thread')
const jobs = new Map<number, State>()

function reply(msg: ToPool, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(msg, transfer)
}

port.on('message', (msg: ToWorker) => {
  switch (msg.type) {
    case 'job': {
      const flat = new Int32Array(msg.pairs)
      const pairs: Array<readonly [number, number]> = []
      for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i]!, flat[i + 1]!])
      const spec: SweepSpec = { ...msg.options, pairs }
      const closes = new Float64Array(msg.closes)
      jobs.set(msg.id, { job: prepareJob(closes, spec, new Int32Array(msg.order)), abort: new Int32Array(msg.abort) })
      return
    }
    case 'chunk': {
      const state = jobs.get(msg.id)
      if (state === undefined) {
        reply({ type: 'error', id: msg.id, start: msg.start, message: `unknown job ${msg.id}` })
        return
      }
      const out = new Float64Array((msg.end - msg.start) * SLOTS)
      try {
        const abort = state.abort
        const finished = computeRange(state.job, msg.start, msg.end, out, () => Atomics.load(abort, 0) !== 0)
        if (finished) reply({ type: 'done', id: msg.id, start: msg.start, out }, [out.buffer])
        else reply({ type: 'stopped', id: msg.id, start: msg.start })
      } catch (error) {
        const message = error instanceof Error ? (error.stack ?? error.message) : String(error)
        reply({ type: 'error', id: msg.id, start: msg.start, message })
      }
      return
    }
    case 'release': {
      const state = jobs.get(msg.id)
      jobs.delete(msg.id)
      if (state !== undefined) releaseJob(state.job)
      return
    }
  }
})
