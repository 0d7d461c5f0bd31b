import { names, type Names } from '@zixly/contracts'
import { BaseConfig, connectNats, connectPg, loadConfig, type NatsConnection, type Pool } from '@zixly/platform'
import { progressBar, type Progress } from './progress.ts'

export interface Output {
  write(text: string): unknown
  isTTY?: boolean
}

/** What a command works with: settings from the same variables as the services, lazy connections, output. */
export interface Context {
  readonly config: BaseConfig
  readonly names: Names
  readonly json: boolean
  readonly stdout: Output
  readonly stderr: Output
  nats(): Promise<NatsConnection>
  pg(): Promise<Pool>
  /** A progress bar on stderr (silent with --quiet). */
  progress(label: string, total: number): Progress
  /** Prints `value` as JSON with --json, else `text()`. */
  print(value: unknown, text: () => string): void
  close(): Promise<void>
}

export function createContext(opts: { env: Record<string, string | undefined>; stdout: Output; stderr: Output; json: boolean; quiet: boolean }): Context {
  const config = loadConfig(BaseConfig, opts.env)
  let nc: Promise<NatsConnection> | undefined
  let pool: Promise<Pool> | undefined
  return {
    config,
    names: names(config.ZIXLY_NAMESPACE),
    json: opts.json,
    stdout: opts.stdout,
    stderr: opts.stderr,
    nats: () => (nc ??= connectNats(config.NATS_URL, 'zixly-cli')),
    pg: () => (pool ??= connectPg(config.DATABASE_URL, config.PG_SCHEMA, { max: 4, name: 'zixly-cli' })),
    progress: (label, total) => progressBar(opts.quiet ? { write: () => true } : opts.stderr, label, total),
    print(value, text) {
      opts.stdout.write(opts.json ? `${JSON.stringify(value, null, 2)}\n` : `${text()}\n`)
    },
    async close() {
      if (nc) await (await nc).drain().catch(() => {})
      if (pool) await (await pool).end().catch(() => {})
    },
  }
}
