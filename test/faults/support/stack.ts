import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseSweepEvent, type SweepEvent } from '@zixly/contracts'
import { ensureJetStream, readSubject } from '@zixly/platform'
import { eventually, isolatedEnv, type TestEnv } from '../../support/env.ts'
import { spawnService, type ServiceProcess } from '../../support/process.ts'
import { startIngest, TEST_CALLBACK_SECRET } from '../../support/stack.ts'

// A fault test's world: an isolated namespace and schema, ingest in this process (it is not what the
// faults hit), and the orchestrator, executors and projector as real child processes the test can
// kill and restart.

export type SweepEventAt = SweepEvent & { seq: number }
export const TERMINAL = ['COMPLETED', 'FAILED', 'CANCELLED'] as const

export interface FaultStackOptions {
  label: string
  /** Environment every service gets (limits, timeouts, ack wait, …). */
  env?: Record<string, string>
}

export async function faultStack(opts: FaultStackOptions) {
  const env = await isolatedEnv(opts.label)
  const objects = mkdtempSync(join(tmpdir(), 'zixly-fault-objects-'))
  const shared: Record<string, string> = {
    ...env.env,
    OBJECT_STORE_DIR: objects,
    CALLBACK_SECRET: TEST_CALLBACK_SECRET,
    CALLBACK_BASE_URL: 'none',
    EXECUTOR_ACK_WAIT_MS: '3000',
    LEASE_TTL_MS: '3000',
    ...opts.env,
  }
  // Declare the executors' consumer with this test's settings before any service starts (each
  // service declares it again from the same variables).
  await ensureJetStream(env.nc, env.names, {
    ackWaitMs: Number(shared.EXECUTOR_ACK_WAIT_MS),
    maxDeliver: Number(shared.EXECUTOR_MAX_DELIVER ?? 5),
    maxAckPending: 64,
  })
  const ingest = await startIngest(env)
  const procs = new Set<ServiceProcess>()

  const stack = {
    env,
    ingest,
    /** Starts `services/<name>` as a process with the shared environment plus `extra`. */
    async spawn(name: string, extra: Record<string, string> = {}): Promise<ServiceProcess> {
      const p = await spawnService(name, { ...shared, ...extra }, 60_000)
      procs.add(p)
      void p.exited.then(() => procs.delete(p))
      return p
    },

    /** POSTs a sweep request as `headers` (the default tenant's key unless given); returns the job id. */
    async submit(body: unknown, headers: Record<string, string> = ingest.headers): Promise<string> {
      const res = await fetch(`${ingest.url}/webhook/trading-sweep`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
      const answer = (await res.json()) as { job_id?: string }
      if (res.status !== 202 || !answer.job_id)
        throw new Error(`submit answered ${res.status}: ${JSON.stringify(answer)}`)
      return answer.job_id
    },

    /** POSTs to the control API as the default tenant's admin. */
    async control(path: string, body: unknown = {}): Promise<{ status: number; body: unknown }> {
      const res = await fetch(`${ingest.url}${path}`, {
        method: 'POST',
        headers: { ...ingest.headers, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
      return { status: res.status, body: await res.json() }
    },

    /** Read-model statuses of these jobs (missing ones are not projected yet). */
    async statuses(jobIds: readonly string[]): Promise<Map<string, string>> {
      const r = await env.pool.query<{ id: string; status: string }>(
        `SELECT id, status FROM pipeline_jobs WHERE id = ANY($1::uuid[])`,
        [jobIds],
      )
      return new Map(r.rows.map((x) => [x.id, x.status]))
    },

    /** Waits until every job is COMPLETED, FAILED or CANCELLED in the read model; returns the statuses. */
    async allTerminal(jobIds: readonly string[], timeoutMs: number): Promise<Map<string, string>> {
      return eventually(
        async () => {
          const s = await stack.statuses(jobIds)
          return jobIds.every((j) => (TERMINAL as readonly string[]).includes(s.get(j) ?? '')) ? s : undefined
        },
        timeoutMs,
        250,
      )
    },

    /** A job's events from the log, in order, with their stream sequences. */
    async history(jobId: string, tenantId = 'local'): Promise<SweepEventAt[]> {
      const msgs = await readSubject(
        env.nc.jetstream(),
        await env.nc.jetstreamManager(),
        env.names.eventsStream,
        env.names.eventSubject(tenantId, jobId),
      )
      return msgs.map((m) => ({ ...parseSweepEvent(m.data), seq: m.seq }))
    },

    /** Result rows per job in the read model, and whether any (job, fast, slow) appears twice. */
    async resultCounts(jobIds: readonly string[]): Promise<Map<string, { rows: number; distinct: number }>> {
      const r = await env.pool.query<{ job_id: string; rows: number; distinct: number }>(
        `SELECT job_id, count(*)::int AS rows, count(DISTINCT (fast_period, slow_period))::int AS distinct
         FROM trading_sweep_results WHERE job_id = ANY($1::uuid[]) GROUP BY job_id`,
        [jobIds],
      )
      return new Map(r.rows.map((x) => [x.job_id, { rows: x.rows, distinct: x.distinct }]))
    },

    async stop() {
      for (const p of procs) p.kill('SIGKILL')
      await Promise.all([...procs].map((p) => p.exited))
      await ingest.stop()
      await env.cleanup()
      rmSync(objects, { recursive: true, force: true })
    },
  }
  return stack
}
export type FaultStack = Awaited<ReturnType<typeof faultStack>>

/** Resolves with the first event of `type` appended to the job (seen on the core subject as it is stored). */
export function whenAppended(
  env: TestEnv,
  jobId: string,
  type: string,
  tenantId = 'local',
): Promise<SweepEvent> {
  return new Promise((resolve) => {
    const sub = env.nc.subscribe(env.names.eventSubject(tenantId, jobId), {
      callback: (_err, m) => {
        const e = parseSweepEvent(m.json())
        if (e.type === type) {
          sub.unsubscribe()
          resolve(e)
        }
      },
    })
  })
}
