// CPU time (ms) used so far by every process whose name starts with `name` (postgres, nats-server)
// and by its exited children, from /proc. On a machine shared with other work it counts theirs too
// (other Postgres instances included), so it is an upper bound; the wall-clock rates next to it are
// what the goal is about.
import { readdirSync, readFileSync } from 'node:fs'

export function processCpuMs(name: string): number {
  let ticks = 0
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
      if (!comm.startsWith(name)) continue
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      // utime + stime, and cutime + cstime: a backend that exited is counted in its parent's (the
      // postmaster reaps it), so a pool's connections closing do not take their CPU time with them.
      ticks += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])
    } catch {
      // the process ended meanwhile
    }
  }
  return ticks * 10 // USER_HZ = 100
}

/** This process' own CPU time (ms). */
export const ownCpuMs = () => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1000
}

/** CPU time (ms) of one thread of this process (`tid`; the main thread's is the process id), from /proc. */
export function threadCpuMs(tid: number): number {
  const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8')
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(f[11]) + Number(f[12])) * 10 // utime + stime, USER_HZ = 100
}
