/**
 * Decides whether a progress report is due: at most one per `minIntervalMs` and per `minFraction`
 * of the grid, so a large sweep emits about twenty SweepProgressed events, not thousands. Pure.
 */
export function progressGate(opts: { minIntervalMs: number; minFraction: number }) {
  let lastAt = Number.NEGATIVE_INFINITY
  let lastDone = 0
  return (done: number, total: number, now: number): boolean => {
    if (total <= 0 || done >= total) return false
    if (now - lastAt < opts.minIntervalMs) return false
    if ((done - lastDone) / total < opts.minFraction) return false
    lastAt = now
    lastDone = done
    return true
  }
}
