import type { SweepSpec } from './types.ts'

// Messages between SweepPool (main thread) and worker.ts. Buffers are SharedArrayBuffers so the
// closes, pairs and sort order are sent once per job and shared by every worker without copies.

export type JobOptions = Omit<SweepSpec, 'pairs'>

export type ToWorker =
  | {
      type: 'job'
      id: number
      closes: SharedArrayBuffer
      /** Int32 [fast0, slow0, fast1, slow1, ...] */
      pairs: SharedArrayBuffer
      /** Int32 evaluation order (indices into pairs) */
      order: SharedArrayBuffer
      /** Int32[1]: set to 1 by the pool to stop the job between pairs */
      abort: SharedArrayBuffer
      options: JobOptions
    }
  | { type: 'chunk'; id: number; start: number; end: number }
  | { type: 'release'; id: number }

export type ToPool =
  | { type: 'done'; id: number; start: number; out: Float64Array }
  | { type: 'stopped'; id: number; start: number }
  | { type: 'error'; id: number; start: number; message: string }
