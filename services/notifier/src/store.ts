import { NotificationChannel, type NotificationChannelKind, type NotificationOutcome } from '@zixly/contracts'
import type { Pool } from '@zixly/platform'
import type { AttemptResult } from './retry.ts'

/** The key that makes a notification go out once: (job, terminal event, channel). */
export interface DeliveryKey {
  readonly jobId: string
  readonly eventId: string
  readonly channel: string
}

/** A claim: this process may send now (attempt n), or someone else has it / it is not due yet. */
export type Claim =
  | { claimed: true; attempt: number }
  | { claimed: false; status: 'SENT' | 'FAILED' }
  | { claimed: false; status: 'SENDING' | 'RETRYING' | 'PENDING'; waitMs: number }

/** Channel settings and delivery records in Postgres (migration 030_notifications.sql). */
export function makeDeliveryStore(pool: Pool) {
  const k = (key: DeliveryKey) => [key.jobId, key.eventId, key.channel]
  return {
    /** A tenant's channels from `notification_channels`; rows that do not parse are returned apart. */
    async channelsOf(
      tenantId: string,
    ): Promise<{ channels: NotificationChannel[]; invalid: Array<{ name: string; error: string }> }> {
      const r = await pool.query<{
        name: string
        kind: string
        enabled: boolean
        outcomes: string[]
        config: unknown
      }>(
        `SELECT name, kind, enabled, outcomes, config FROM notification_channels WHERE tenant_id = $1 ORDER BY name`,
        [tenantId],
      )
      const channels: NotificationChannel[] = []
      const invalid: Array<{ name: string; error: string }> = []
      for (const row of r.rows) {
        const parsed = NotificationChannel.safeParse(row)
        if (parsed.success) channels.push(parsed.data)
        else
          invalid.push({
            name: row.name,
            error: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
          })
      }
      return { channels, invalid }
    },

    /** Records that a delivery is owed; a repeat (a redelivered event) changes nothing. */
    async open(
      key: DeliveryKey,
      meta: { tenantId: string; kind: NotificationChannelKind; outcome: NotificationOutcome },
    ) {
      await pool.query(
        `INSERT INTO notification_deliveries (job_id, event_id, channel, tenant_id, kind, outcome, status)
         VALUES ($1, $2, $3, $4, $5, $6, 'PENDING') ON CONFLICT DO NOTHING`,
        [...k(key), meta.tenantId, meta.kind, meta.outcome],
      )
    },

    /**
     * Takes the right to send: a due PENDING / RETRYING row, or a SENDING row whose lease ran out (its
     * sender died before recording the result). One UPDATE, so two notifiers never both win.
     */
    async claim(key: DeliveryKey, leaseMs: number): Promise<Claim> {
      const won = await pool.query<{ attempts: number }>(
        `UPDATE notification_deliveries
            SET status = 'SENDING', attempts = attempts + 1, updated_at = now(),
                claimed_until = now() + make_interval(secs => $4::double precision / 1000)
          WHERE job_id = $1 AND event_id = $2 AND channel = $3
            AND ((status IN ('PENDING', 'RETRYING') AND next_attempt_at <= now())
                 OR (status = 'SENDING' AND claimed_until < now()))
        RETURNING attempts`,
        [...k(key), leaseMs],
      )
      const row = won.rows[0]
      if (row) return { claimed: true, attempt: row.attempts }
      const r = await pool.query<{ status: string; wait_ms: number }>(
        `SELECT status, GREATEST(0, CEIL(EXTRACT(EPOCH FROM (
                  CASE WHEN status = 'SENDING' THEN claimed_until ELSE next_attempt_at END) - now()) * 1000))::float8 AS wait_ms
           FROM notification_deliveries WHERE job_id = $1 AND event_id = $2 AND channel = $3`,
        k(key),
      )
      const cur = r.rows[0]
      if (!cur) throw new Error(`delivery ${key.jobId}/${key.eventId}/${key.channel} was never opened`)
      if (cur.status === 'SENT' || cur.status === 'FAILED') return { claimed: false, status: cur.status }
      return { claimed: false, status: cur.status as 'SENDING' | 'RETRYING' | 'PENDING', waitMs: cur.wait_ms }
    },

    /** Records an attempt's result; only the claim holder of `attempt` may (a late, superseded sender may not). */
    async record(
      key: DeliveryKey,
      attempt: number,
      result: AttemptResult,
      error: string | null,
    ): Promise<boolean> {
      const r = await pool.query(
        `UPDATE notification_deliveries
            SET status = $5, last_error = $6, updated_at = now(), claimed_until = NULL,
                sent_at = CASE WHEN $5 = 'SENT' THEN now() ELSE sent_at END,
                next_attempt_at = now() + make_interval(secs => $7::double precision / 1000)
          WHERE job_id = $1 AND event_id = $2 AND channel = $3 AND status = 'SENDING' AND attempts = $4`,
        [...k(key), attempt, result.status, error, result.status === 'RETRYING' ? result.delayMs : 0],
      )
      return (r.rowCount ?? 0) === 1
    },
  }
}
export type DeliveryStore = ReturnType<typeof makeDeliveryStore>
