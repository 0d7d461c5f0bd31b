import { z } from 'zod'
import { DEFAULT_NAMESPACE, SUBJECT_TOKEN } from '@zixly/contracts'

/** Environment every service reads. Each service extends it with its own fields. */
export const BaseConfig = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  NATS_URL: z.string().default('nats://127.0.0.1:4222'),
  DATABASE_URL: z.string().default('postgres://postgres@127.0.0.1:5432/postgres'),
  /** Postgres schema holding the read models (tests give each file its own). */
  PG_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/).default('zixly'),
  REDIS_URL: z.string().default('redis://127.0.0.1:6379'),
  /** Prefix of every subject and stream (tests give each file its own). */
  ZIXLY_NAMESPACE: z.string().regex(SUBJECT_TOKEN).default(DEFAULT_NAMESPACE),
  /** Address HTTP, health and metrics servers bind to (0.0.0.0 in containers). */
  HOST: z.string().default('127.0.0.1'),
  /** Tenant used until authentication assigns one per request. */
  DEFAULT_TENANT_ID: z.string().regex(SUBJECT_TOKEN).default('local'),
})
export type BaseConfig = z.infer<typeof BaseConfig>

/** Parses the environment with a schema; a bad value is one clear line naming the variable. */
export function loadConfig<S extends z.ZodType>(schema: S, env: Record<string, string | undefined> = process.env) {
  const parsed = schema.safeParse(env)
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)
    throw new Error(`invalid configuration: ${lines.join('; ')}`)
  }
  return parsed.data
}

/** Host and port of a service URL, for messages that say where we looked. */
export function where(url: string): string {
  try {
    const u = new URL(url)
    return `${u.hostname}:${u.port || '(default port)'}${u.pathname.length > 1 ? u.pathname : ''}`
  } catch {
    return url
  }
}
