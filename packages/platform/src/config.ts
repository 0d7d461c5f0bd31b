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
  /** Tenant the first `npm start` bootstraps (requests act for the tenant they authenticate as). */
  DEFAULT_TENANT_ID: z.string().regex(SUBJECT_TOKEN).default('local'),
})
export type BaseConfig = z.infer<typeof BaseConfig>

/** Secret settings and their development defaults (null: optional, no default). */
const SECRET_SETTINGS = new Map<z.ZodType, string | null>()

/**
 * A secret setting. Outside production it falls back to `devDefault` (or stays unset when null); with
 * `NODE_ENV=production` there is no default: `loadConfig` refuses a missing (when a default exists
 * elsewhere) or weak value with one line naming the variable.
 */
export function secretSetting(devDefault: string): z.ZodDefault<z.ZodString>
export function secretSetting(devDefault?: null): z.ZodOptional<z.ZodString>
export function secretSetting(devDefault: string | null = null): z.ZodType {
  const s = devDefault === null ? z.string().min(1).optional() : z.string().min(1).default(devDefault)
  SECRET_SETTINGS.set(s, devDefault)
  return s
}

/** Why a secret is too weak to run in production, or null: 32+ characters, not repetitive, not a known default. */
export function weakSecret(value: string, devDefault: string | null = null): string | null {
  if (value.length < 32) return 'must be at least 32 characters'
  if (new Set(value).size < 10 || value === devDefault || /^(change|secret|password|default|example|dev)/i.test(value))
    return 'is not random enough (use e.g. `openssl rand -base64 32`)'
  return null
}

/** Parses the environment with a schema; a bad value is one clear line naming the variable. */
export function loadConfig<S extends z.ZodType>(schema: S, env: Record<string, string | undefined> = process.env) {
  const parsed = schema.safeParse(env)
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)
    throw new Error(`invalid configuration: ${lines.join('; ')}`)
  }
  if ((parsed.data as { NODE_ENV?: unknown }).NODE_ENV === 'production' && schema instanceof z.ZodObject) {
    const lines: string[] = []
    for (const [name, field] of Object.entries<z.ZodType>(schema.shape)) {
      if (!SECRET_SETTINGS.has(field)) continue
      const dflt = SECRET_SETTINGS.get(field) ?? null
      const value = env[name]
      if (value === undefined || value === '') {
        if (dflt !== null) lines.push(`${name} is required in production (no default secret there)`)
        continue
      }
      const weak = weakSecret(value, dflt)
      if (weak) lines.push(`${name} ${weak}`)
    }
    if (lines.length > 0) throw new Error(`invalid configuration: ${lines.join('; ')}`)
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
