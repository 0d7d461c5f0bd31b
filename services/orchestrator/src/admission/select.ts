import { mayDispatch, type DispatchControl } from './control.ts'
import { SLOT_UNITS } from './weight.ts'

/** A job waiting for a dispatch slot. */
export interface Candidate {
  readonly jobId: string
  readonly tenantId: string
  readonly priority: number
  /** Epoch ms since which it may run (FIFO within a tenant), then the log sequence that made it so. */
  readonly readyAt: number
  readonly queuedSeq: number
  /** Quarters of a slot it takes (`slotUnits`); a whole slot when left out. */
  readonly units?: number
}

export interface AdmissionInput {
  readonly candidates: readonly Candidate[]
  /** Attempts holding a slot now: in total and per tenant, in quarters of a slot (`SLOT_UNITS` each for whole slots). */
  readonly running: { readonly total: number; readonly byTenant: ReadonlyMap<string, number> }
  readonly control: DispatchControl
  /** In whole slots. */
  readonly limits: { readonly global: number; readonly perTenant: number }
  /** Tenant of the last dispatch (read from the log), where the round-robin continues. */
  readonly lastTenant: string | null
}

const unitsOf = (c: Candidate) => c.units ?? SLOT_UNITS
const fifo = (a: Candidate, b: Candidate) => a.readyAt - b.readyAt || a.queuedSeq - b.queuedSeq

/**
 * Which candidates to dispatch now, in order. Pure. While a slot is free (globally and for the
 * tenant): the highest priority first; among equal priority, the next tenant after the last one served
 * (round-robin, in tenant-id order), so a tenant with a thousand queued jobs delays another tenant's
 * job by at most one dispatch; within a tenant, first come first served. Paused tenants are skipped.
 * Each job takes its share of a slot: a tenant whose next job does not fit its own limit is skipped;
 * when the job chosen does not fit the global limit the round ends there (a large job is not passed
 * by smaller ones behind it, so it cannot starve).
 */
export function selectForDispatch(input: AdmissionInput): Candidate[] {
  const global = input.limits.global * SLOT_UNITS
  const perTenant = input.limits.perTenant * SLOT_UNITS
  if (input.running.total >= global || input.candidates.length === 0 || input.control.global)
    return []
  const byTenant = new Map(input.running.byTenant)
  let total = input.running.total
  let lastTenant = input.lastTenant
  // Queues per priority, then per tenant, each in FIFO order.
  const queues = new Map<number, Map<string, Candidate[]>>()
  for (const c of input.candidates) {
    if (!mayDispatch(input.control, c.tenantId)) continue
    const level = queues.get(c.priority) ?? new Map<string, Candidate[]>()
    queues.set(c.priority, level)
    const q = level.get(c.tenantId) ?? []
    level.set(c.tenantId, q)
    q.push(c)
  }
  for (const level of queues.values()) for (const q of level.values()) q.sort(fifo)
  const priorities = [...queues.keys()].sort((a, b) => b - a)

  const picked: Candidate[] = []
  while (total < global) {
    let next: Candidate | undefined
    for (const p of priorities) {
      const level = queues.get(p)!
      const open = [...level.keys()]
        .filter((t) => {
          const head = level.get(t)![0]
          return head !== undefined && (byTenant.get(t) ?? 0) + unitsOf(head) <= perTenant
        })
        .sort()
      if (open.length === 0) continue
      const tenant = (lastTenant === null ? undefined : open.find((t) => t > lastTenant!)) ?? open[0]!
      next = level.get(tenant)!.shift()
      break
    }
    if (next === undefined || total + unitsOf(next) > global) break
    picked.push(next)
    total += unitsOf(next)
    byTenant.set(next.tenantId, (byTenant.get(next.tenantId) ?? 0) + unitsOf(next))
    lastTenant = next.tenantId
  }
  return picked
}
