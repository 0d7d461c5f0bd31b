// The real stack for the dashboard's end-to-end tests: an isolated namespace and schema, ingest with
// authentication, orchestrator, projector and notifier in this process, and an executor whose start
// and run can be held by the test (so a status that lasts milliseconds can be seen on screen).
import type { SweepRunner } from '@zixly/executor'
import { inProcessRunner, startExecutor } from '@zixly/executor'
import { createMarketData } from '@zixly/market-data'
import { isolatedEnv, type TestEnv } from '../../test/support/env.ts'
import { startBackbone, startIngest } from '../../test/support/stack.ts'

/** A gate that is open unless closed; waiting on a closed gate waits until it opens. */
export function gate() {
  let open = true
  let waiters: Array<() => void> = []
  return {
    close() {
      open = false
    },
    open() {
      open = true
      for (const w of waiters) w()
      waiters = []
    },
    wait(): Promise<void> {
      return open ? Promise.resolve() : new Promise((r) => waiters.push(r))
    },
  }
}

/** The bundled engine, held at `prepare` (the job stays QUEUED) and at `run` (it stays RUNNING). */
export function gatedRunner(base: SweepRunner, gates: { prepare: ReturnType<typeof gate>; run: ReturnType<typeof gate> }): SweepRunner {
  return {
    name: 'gated',
    close: () => base.close(),
    async prepare(params, signal, ctx) {
      await gates.prepare.wait()
      const prepared = await base.prepare(params, signal, ctx)
      return {
        bars: prepared.bars,
        combinations: prepared.combinations,
        async run(opts) {
          await gates.run.wait()
          return prepared.run(opts)
        },
      }
    },
  }
}

export interface Stack {
  env: TestEnv
  ingestUrl: string
  /** The API key (ADMIN) of tenant `local`. */
  apiHeaders: Record<string, string>
  gates: { prepare: ReturnType<typeof gate>; run: ReturnType<typeof gate> }
  /** Creates a user of a tenant (creating the tenant too) and returns its credentials. */
  user(tenantId: string, role: 'ADMIN' | 'EDITOR' | 'VIEWER'): Promise<{ email: string; password: string }>
  /** Environment for the dashboard server in this isolated world. */
  webEnv(): Record<string, string>
  stop(): Promise<void>
}

export async function startStack(label: string): Promise<Stack> {
  const env = await isolatedEnv(label)
  const ingest = await startIngest(env)
  const backbone = await startBackbone(env)
  const gates = { prepare: gate(), run: gate() }
  const runner = gatedRunner(inProcessRunner({ marketData: createMarketData(), workers: 1 }), gates)
  const executor = await startExecutor({ nc: env.nc, names: env.names, logger: env.logger, runner, executorId: `e2e-${label}` })
  let users = 0
  return {
    env,
    ingestUrl: ingest.url,
    apiHeaders: ingest.headers,
    gates,
    async user(tenantId, role) {
      const admin = ingest.security.admin
      if (await admin.ensureTenant(tenantId, tenantId))
        await admin.updateSettings(tenantId, { rate_limit_per_minute: 1_000_000, read_rate_limit_per_minute: 1_000_000 })
      const email = `${role.toLowerCase()}${++users}@${tenantId}.example.com`
      const password = `correct horse ${tenantId} ${users}`
      await admin.createUser(tenantId, { email, password, role })
      return { email, password }
    },
    webEnv: () => ({ ...env.env, INGEST_URL: ingest.url, NODE_ENV: 'test', LOG_LEVEL: 'warn' }),
    async stop() {
      gates.prepare.open()
      gates.run.open()
      await executor.stop().catch(() => {})
      await runner.close().catch(() => {})
      await backbone.stop().catch(() => {})
      await ingest.stop().catch(() => {})
      await env.cleanup()
    },
  }
}
