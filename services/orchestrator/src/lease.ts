import { describe, type Logger } from '@zixly/platform'
import type { KV } from 'nats'

/** KV key of the lease that makes one orchestrator the active one. */
export const LEASE_KEY = 'orchestrator.lease'

export interface Lease {
  readonly holder: string
  /** Resolves when the lease is lost: another orchestrator took it, or it could not be renewed in time. */
  readonly lost: Promise<void>
  /** Stops renewing and deletes the lease, so a standby takes over at once. */
  release(): Promise<void>
}

export interface LeaseOptions {
  kv: KV
  holder: string
  logger: Logger
  /** A lease not renewed for this long (as this process observes it) is stale and may be taken. */
  ttlMs?: number
  renewEveryMs?: number
  signal?: AbortSignal
  now?: () => number
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const isWrongRevision = (err: unknown) =>
  (err as { api_error?: { err_code?: number } }).api_error?.err_code === 10071 ||
  /wrong last sequence/i.test(String(err))

/**
 * Waits until this process holds the lease, then renews it every `renewEveryMs` by compare-and-set
 * on its revision. Staleness is judged by how long the revision has not changed on this process's own
 * clock, so clock skew between hosts does not matter. The holder fences itself: when a renewal fails
 * because the revision moved (someone took over), or no renewal succeeded for `ttlMs`, `lost` resolves.
 * Returns null if `signal` aborts first.
 */
export async function acquireLease(opts: LeaseOptions): Promise<Lease | null> {
  const { kv, holder, logger } = opts
  const ttl = opts.ttlMs ?? 3000
  const every = opts.renewEveryMs ?? 1000
  const now = opts.now ?? (() => Date.now())
  const value = () => JSON.stringify({ holder, renewed_at: new Date(now()).toISOString() })
  let seenRevision = 0
  let seenAt = now()
  let revision: number | null = null
  while (revision === null) {
    if (opts.signal?.aborted) return null
    try {
      const entry = await kv.get(LEASE_KEY)
      if (entry === null || entry.operation !== 'PUT') {
        revision = await kv.create(LEASE_KEY, value()).catch(() => null)
      } else {
        const current = safeHolder(entry.string())
        if (entry.revision !== seenRevision) {
          seenRevision = entry.revision
          seenAt = now()
        }
        if (current === holder || now() - seenAt >= ttl)
          revision = await kv.update(LEASE_KEY, value(), entry.revision).catch(() => null)
      }
    } catch (err) {
      logger.warn({ err: describe(err) }, 'cannot read the orchestrator lease; retrying')
    }
    if (revision === null) await sleep(Math.max(100, Math.floor(every / 2)))
  }

  let lastRenewed = now()
  let stopped = false
  let markLost!: () => void
  const lost = new Promise<void>((r) => (markLost = r))
  let renewing = false
  const renew = async () => {
    if (stopped || revision === null || renewing) return
    renewing = true
    try {
      revision = await kv.update(LEASE_KEY, value(), revision)
      lastRenewed = now()
    } catch (err) {
      if (isWrongRevision(err)) return lose('another orchestrator holds the lease')
      logger.warn({ err: describe(err) }, 'could not renew the orchestrator lease')
    } finally {
      renewing = false
    }
    if (now() - lastRenewed >= ttl) lose('the lease could not be renewed in time')
  }
  const lose = (why: string) => {
    if (stopped) return
    stopped = true
    clearInterval(timer)
    logger.warn({ holder, why }, 'orchestrator lease lost')
    markLost()
  }
  const timer = setInterval(() => void renew(), every)
  return {
    holder,
    lost,
    async release() {
      if (stopped) return
      stopped = true
      clearInterval(timer)
      if (revision !== null) await kv.delete(LEASE_KEY, { previousSeq: revision }).catch(() => {})
    },
  }
}

function safeHolder(text: string): string | null {
  try {
    const v = JSON.parse(text) as { holder?: unknown }
    return typeof v.holder === 'string' ? v.holder : null
  } catch {
    return null
  }
}
