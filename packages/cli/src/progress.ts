import type { Output } from './context.ts'

export interface Progress {
  update(done: number, total?: number): void
  done(message?: string): void
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US')
const duration = (s: number) => (s >= 3600 ? `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m` : s >= 60 ? `${Math.floor(s / 60)}m${Math.round(s % 60)}s` : `${s.toFixed(s < 10 ? 1 : 0)}s`)

/** One progress line: bar, count, rate and ETA. Pure, so it is tested as text. */
export function progressLine(label: string, done: number, total: number, elapsedMs: number, width = 24): string {
  const frac = total > 0 ? Math.min(1, done / total) : 1
  const filled = Math.round(frac * width)
  const rate = elapsedMs > 0 ? (done / elapsedMs) * 1000 : 0
  const eta = rate > 0 && total > done ? duration((total - done) / rate) : '-'
  return `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(frac * 100).toFixed(1)}% ${fmt(done)}/${fmt(total)} ${fmt(rate)}/s ETA ${eta}`
}

/**
 * A progress bar on `out` (stderr): redrawn in place on a terminal at most 10 times a second, one
 * line every 2 s otherwise (logs, CI), so scripts reading stdout never see it.
 */
export function progressBar(out: Output, label: string, initialTotal: number, now: () => number = Date.now): Progress {
  const start = now()
  let total = initialTotal
  let last = 0
  const tty = out.isTTY === true
  return {
    update(done, t) {
      if (t !== undefined) total = t
      const at = now()
      if (at - last < (tty ? 100 : 2000)) return
      last = at
      const line = progressLine(label, done, total, at - start)
      out.write(tty ? `\r${line}\x1b[K` : `${line}\n`)
    },
    done(message) {
      if (tty) out.write('\r\x1b[K')
      if (message) out.write(`${message}\n`)
    },
  }
}
