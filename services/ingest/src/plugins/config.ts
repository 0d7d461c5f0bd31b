import { makeJwtVerifier, makeSecurity, resolveSecrets } from '@zixly/auth'
import { secretSetting, type Pool, type Redis } from '@zixly/platform'
import { z } from 'zod'
import type { IngestSecurity } from './index.ts'

/** Settings that are secrets: resolved from env, `<NAME>_FILE`, a secrets dir or AWS before parsing. */
export const SECRET_NAMES = ['CALLBACK_SECRET', 'JWT_SECRET'] as const

/** Ingest's security settings (extends its Config). */
export const SecurityConfig = z.object({
  /** Per-job Trading-API callback tokens (shared with the executors). No default in production. */
  CALLBACK_SECRET: secretSetting('zixly-development-callback-secret'),
  /** Bearer JWTs are accepted only when an issuer and audience are set, with one key source. */
  JWT_ISSUER: z.string().min(1).optional(),
  JWT_AUDIENCE: z.string().min(1).optional(),
  JWT_ALGORITHMS: z.string().default('HS256'),
  JWT_SECRET: secretSetting(null),
  JWT_PUBLIC_KEY: z.string().optional(),
  JWT_JWKS_URL: z.url().optional(),
  SESSION_TTL_SECONDS: z.coerce.number().int().min(60).max(30 * 86_400).default(12 * 3600),
  /** `Secure` on the session cookie; on everywhere but development and test unless said otherwise. */
  SESSION_COOKIE_SECURE: z.enum(['true', 'false']).optional(),
  /** Comma-separated browser origins allowed by CORS (none by default: the dashboard is a BFF). */
  CORS_ORIGINS: z.string().default(''),
  BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).max(10 * 1024 * 1024).default(64 * 1024),
  JSON_MAX_DEPTH: z.coerce.number().int().min(2).max(256).default(32),
  /** Comma-separated addresses / CIDRs of proxies (the dashboard server) whose X-Forwarded-For is believed. */
  TRUST_PROXY: z.string().default(''),
})
export type SecurityConfig = z.infer<typeof SecurityConfig> & { NODE_ENV: string }

/** The environment with secrets filled in from their providers. */
export function secretEnv(env: Record<string, string | undefined> = process.env) {
  return resolveSecrets(SECRET_NAMES, env)
}

/** Ingest's security wiring from its settings. */
export async function securityFromConfig(
  config: SecurityConfig,
  deps: { pool: Pool; redis: Redis; namespace: string },
): Promise<IngestSecurity> {
  const jwtOn = config.JWT_ISSUER !== undefined && config.JWT_AUDIENCE !== undefined
  const jwt = jwtOn
    ? await makeJwtVerifier({
        issuer: config.JWT_ISSUER!,
        audience: config.JWT_AUDIENCE!,
        algorithms: config.JWT_ALGORITHMS.split(',').map((a) => a.trim()),
        ...(config.JWT_SECRET ? { secret: config.JWT_SECRET } : {}),
        ...(config.JWT_PUBLIC_KEY ? { publicKeyPem: config.JWT_PUBLIC_KEY.replace(/\\n/g, '\n') } : {}),
        ...(config.JWT_JWKS_URL ? { jwksUrl: config.JWT_JWKS_URL } : {}),
      })
    : undefined
  return {
    security: makeSecurity({ ...deps, jwt, sessionTtlSeconds: config.SESSION_TTL_SECONDS }),
    cookieSecure: config.SESSION_COOKIE_SECURE ? config.SESSION_COOKIE_SECURE === 'true' : !['development', 'test'].includes(config.NODE_ENV),
    corsOrigins: config.CORS_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean),
    maxJsonDepth: config.JSON_MAX_DEPTH,
    trustProxy: config.TRUST_PROXY.split(',').map((a) => a.trim()).filter(Boolean),
  }
}
