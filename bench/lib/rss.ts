import { readFileSync, readdirSync } from 'node:fs'

/** Resident set size of one process in MB (from /proc), or null when it is gone. */
export function rssMb(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1]
    return kb === undefined ? null : Number(kb) / 1024
  } catch {
    return null
  }
}

/** Every descendant of `pid` (a service started through a wrapper such as pnpm counts its children). */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      // The command name may contain spaces and parentheses: the ppid is the 2nd field after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      const list = children.get(ppid) ?? []
      list.push(Number(entry))
      children.set(ppid, list)
    } catch {
      // the process ended while we looked
    }
  }
  const out: number[] = []
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      out.push(c)
      walk(c)
    }
  }
  walk(pid)
  return out
}

/** RSS of a process and all its descendants, in MB. */
export function treeRssMb(pid: number): number | null {
  const own = rssMb(pid)
  if (own === null) return null
  return descendants(pid).reduce((sum, p) => sum + (rssMb(p) ?? 0), own)
}

/** Samples the RSS of named processes every `everyMs` and keeps each one's peak. */
export function rssSampler(procs: ReadonlyArray<{ name: string; pid: number }>, everyMs = 250) {
  const peak = new Map<string, number>()
  const sample = () => {
    for (const p of procs) {
      const mb = treeRssMb(p.pid)
      if (mb !== null && mb > (peak.get(p.name) ?? 0)) peak.set(p.name, mb)
    }
  }
  sample()
  const timer = setInterval(sample, everyMs)
  return {
    stop(): Record<string, number> {
      clearInterval(timer)
      sample()
      return Object.fromEntries(procs.map((p) => [p.name, Number((peak.get(p.name) ?? 0).toFixed(1))]))
    },
  }
}

/** CPU time (user + system) a process has used so far, in seconds (/proc ticks at 100 Hz). */
export function cpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    // After the name: state(0) ppid(1) … utime(11) stime(12).
    return (Number(f[11]) + Number(f[12])) / 100
  } catch {
    return null
  }
}

/** CPU seconds of each named process used between `start()` and `stop()`. */
export function cpuMeter(procs: ReadonlyArray<{ name: string; pid: number }>) {
  const at = (p: { pid: number }) => cpuSeconds(p.pid) ?? 0
  const start = new Map(procs.map((p) => [p.name, at(p)]))
  return {
    stop(): Record<string, number> {
      return Object.fromEntries(procs.map((p) => [p.name, Number((at(p) - (start.get(p.name) ?? 0)).toFixed(2))]))
    },
  }
}

/** The command line of a process ('' when it is gone). */
export function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim()
  } catch {
    return ''
  }
}

/** RSS of a process tree without package-manager wrappers (pnpm / npm run): the service's own memory. */
export function serviceRssMb(pid: number): number {
  return [pid, ...descendants(pid)]
    .filter((p) => !/\b(pnpm|npm)\b/.test(cmdline(p).split(' ').slice(0, 2).join(' ')))
    .reduce((sum, p) => sum + (rssMb(p) ?? 0), 0)
}
