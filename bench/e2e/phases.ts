import { note } from '../lib/output.ts'
import { latencySummary } from '../lib/stats.ts'
import type { Target } from './target.ts'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export interface Saturation {
  jobs: number
  /** Jobs per second from the first 202 to the last COMPLETED seen in the read model. */
  jobs_per_s: number
  /** 202s per second while posting (how fast the front door took the burst). */
  accepted_per_s: number
  seconds: number
  failed: number
  ids: string[]
}

/**
 * Posts every body as fast as the target accepts them (`inflight` requests at a time) and waits
 * until the read model shows all of them done. The read model is polled every `pollMs`.
 */
export async function saturate(
  target: Target,
  bodies: readonly unknown[],
  opts: { inflight?: number; pollMs?: number; timeoutMs?: number } = {},
): Promise<Saturation> {
  const before = await target.countDone()
  const ids: string[] = new Array<string>(bodies.length)
  let next = 0
  let first = 0
  let last = 0
  const poster = async () => {
    for (let i = next++; i < bodies.length; i = next++) {
      ids[i] = await target.submit(bodies[i])
      const t = performance.now()
      if (first === 0) first = t
      last = t
    }
  }
  const posting = Promise.all(Array.from({ length: opts.inflight ?? 50 }, poster))
  const until = Date.now() + (opts.timeoutMs ?? 600_000)
  let done = { completed: 0, failed: 0 }
  let end = 0
  let postError: unknown
  posting.catch((err: unknown) => (postError = err))
  for (let lastLog = Date.now(); ; ) {
    if (postError) throw postError
    const c = await target.countDone()
    done = { completed: c.completed - before.completed, failed: c.failed - before.failed }
    if (done.completed + done.failed >= bodies.length) {
      end = performance.now()
      break
    }
    if (Date.now() > until) throw new Error(`${target.name}: only ${done.completed + done.failed} of ${bodies.length} jobs done in time`)
    if (Date.now() - lastLog > 5000) {
      lastLog = Date.now()
      note(`  ${target.name}: ${done.completed + done.failed}/${bodies.length} done`)
    }
    await sleep(opts.pollMs ?? 50)
  }
  await posting
  const seconds = (end - first) / 1000
  return {
    jobs: bodies.length,
    jobs_per_s: bodies.length / seconds,
    accepted_per_s: bodies.length / Math.max(0.001, (last - first) / 1000),
    seconds,
    failed: done.failed,
    ids,
  }
}

export interface Paced {
  rate_per_s: number
  jobs: number
  p50_ms: number
  p99_ms: number
  max_ms: number
  /** The slowest jobs (at most 5): wall-clock times of their 202 and of the poll that saw them done. */
  slowest: Array<{ id: string; accepted_at: number; seen_at: number; ms: number }>
}

/**
 * Posts bodies at a steady `ratePerS` (open loop: a slow answer does not slow the schedule) and
 * measures, for each job, the time from its 202 to the read model showing it done; pending jobs are
 * looked up every `pollMs`, so a latency is at most `pollMs` (+ one query) late.
 */
export async function paced(
  target: Target,
  bodies: readonly unknown[],
  ratePerS: number,
  opts: { pollMs?: number; timeoutMs?: number } = {},
): Promise<Paced> {
  /** Jobs accepted and not yet seen done: when their 202 came (monotonic, and wall-clock for the report). */
  const acceptedAt = new Map<string, { at: number; wall: number }>()
  const latencies: number[] = []
  let slowest: Paced['slowest'] = []
  let postError: unknown
  const start = performance.now()
  const sends: Array<Promise<void>> = []
  const scheduler = (async () => {
    for (let i = 0; i < bodies.length; i++) {
      const due = start + (i * 1000) / ratePerS
      const wait = due - performance.now()
      if (wait > 1) await sleep(wait)
      sends.push(
        target.submit(bodies[i]).then(
          (id) => void acceptedAt.set(id, { at: performance.now(), wall: Date.now() }),
          (err: unknown) => void (postError = err),
        ),
      )
    }
    await Promise.all(sends)
  })()
  let scheduled = false
  void scheduler.then(() => (scheduled = true))
  const until = Date.now() + (opts.timeoutMs ?? 300_000)
  while (!scheduled || acceptedAt.size > 0) {
    if (postError) throw postError
    if (Date.now() > until) throw new Error(`${target.name}: ${acceptedAt.size} paced jobs not done in time`)
    await sleep(opts.pollMs ?? 20)
    if (acceptedAt.size === 0) continue
    const done = await target.doneAmong([...acceptedAt.keys()])
    const seen = performance.now()
    const seenWall = Date.now()
    for (const id of done) {
      const accepted = acceptedAt.get(id)!
      const ms = seen - accepted.at
      latencies.push(ms)
      acceptedAt.delete(id)
      if (slowest.length < 5 || ms > slowest.at(-1)!.ms)
        slowest = [...slowest, { id, accepted_at: accepted.wall, seen_at: seenWall, ms }].sort((a, b) => b.ms - a.ms).slice(0, 5)
    }
  }
  await scheduler
  if (postError) throw postError
  const l = latencySummary(latencies)
  return { rate_per_s: ratePerS, jobs: bodies.length, p50_ms: l.p50, p99_ms: l.p99, max_ms: l.max, slowest }
}
