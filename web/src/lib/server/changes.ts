import type { Names } from '@zixly/contracts'
import { describe, type Logger, type NatsConnection } from '@zixly/platform'

/** The projector's notice after a commit (`<ns>.changes.<tenant>`): which jobs changed, up to which sequence. */
export interface ChangeNotice {
  tenant_id: string
  job_ids: string[]
  checkpoint: number
}

export type NoticeListener = (notice: ChangeNotice) => void

function isNotice(v: unknown): v is ChangeNotice {
  const n = v as Partial<ChangeNotice> | null
  return (
    typeof n === 'object' &&
    n !== null &&
    typeof n.tenant_id === 'string' &&
    Array.isArray(n.job_ids) &&
    n.job_ids.every((id) => typeof id === 'string') &&
    typeof n.checkpoint === 'number' &&
    Number.isInteger(n.checkpoint)
  )
}

export interface ChangeHub {
  /** Listens to one tenant's notices; resolves once the NATS subscription is in place. */
  subscribe(tenantId: string, listener: NoticeListener): Promise<() => void>
  /** The highest checkpoint seen for a tenant since this server started listening to it. */
  latest(tenantId: string): number | undefined
  /** Whether NATS is connected (readiness). */
  ready(): Promise<boolean>
  close(): Promise<void>
}

/**
 * One NATS connection per dashboard server and one core subscription per tenant that has an open
 * stream; every browser tab of that tenant shares it. A tenant's listeners only ever receive notices
 * from that tenant's subject, so no other tenant's changes can reach their stream.
 */
export function makeChangeHub(deps: { connect: () => Promise<NatsConnection>; names: Names; logger: Logger }): ChangeHub {
  let conn: Promise<NatsConnection> | null = null
  interface Entry {
    listeners: Set<NoticeListener>
    unsubscribe: () => void
  }
  // A promise per tenant, so two tabs opening at once share one subscription.
  const tenants = new Map<string, Promise<Entry>>()
  const latest = new Map<string, number>()

  const connection = () => {
    conn ??= deps.connect().catch((err: unknown) => {
      conn = null
      throw err
    })
    return conn
  }

  async function open(tenantId: string): Promise<Entry> {
    const nc = await connection()
    const listeners = new Set<NoticeListener>()
    const sub = nc.subscribe(deps.names.changesSubject(tenantId), {
      callback: (err, msg) => {
        if (err) return deps.logger.warn({ err: describe(err) }, 'change subscription failed')
        let notice: unknown
        try {
          notice = msg.json()
        } catch {
          return deps.logger.warn({ subject: msg.subject }, 'ignoring an unreadable change notice')
        }
        if (!isNotice(notice) || notice.tenant_id !== tenantId)
          return deps.logger.warn({ subject: msg.subject }, 'ignoring a change notice of another shape or tenant')
        latest.set(tenantId, Math.max(latest.get(tenantId) ?? 0, notice.checkpoint))
        for (const l of listeners) l(notice)
      },
    })
    // Once the server has seen the subscription, every notice published afterwards reaches it.
    await nc.flush()
    return { listeners, unsubscribe: () => sub.unsubscribe() }
  }

  return {
    async subscribe(tenantId, listener) {
      let pending = tenants.get(tenantId)
      if (!pending) {
        pending = open(tenantId)
        tenants.set(tenantId, pending)
        pending.catch(() => tenants.delete(tenantId))
      }
      const entry = await pending
      entry.listeners.add(listener)
      return () => {
        entry.listeners.delete(listener)
        if (entry.listeners.size === 0 && tenants.get(tenantId) === pending) {
          tenants.delete(tenantId)
          entry.unsubscribe()
        }
      }
    },
    latest: (tenantId) => latest.get(tenantId),
    async ready() {
      try {
        const nc = await connection()
        await nc.flush()
        return !nc.isClosed()
      } catch {
        return false
      }
    },
    async close() {
      const c = conn
      conn = null
      tenants.clear()
      if (c) await (await c.catch(() => null))?.drain().catch(() => {})
    },
  }
}
