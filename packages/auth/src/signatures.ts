import { createHmac } from 'node:crypto'
import { callbackToken, verifyCallbackToken as platformVerify, type Redis } from '@zixly/platform'
import { safeEqual } from './keys.ts'

/** Header carrying a webhook signature: `t=<unix seconds>,v1=<hex HMAC-SHA256>`. */
export const SIGNATURE_HEADER = 'x-zixly-signature'
/** How far a signature's timestamp may be from our clock, either way. */
export const SIGNATURE_TOLERANCE_SECONDS = 300

/** HMAC-SHA256 hex of `t + "." + rawBody` under `secret`. */
export function signatureOf(secret: string, timestamp: number, rawBody: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${rawBody}`, 'utf8').digest('hex')
}

/** The header value a client sends: `t=<unix>,v1=<hex>`. */
export function signWebhook(secret: string, rawBody: string, timestamp: number): string {
  return `t=${timestamp},v1=${signatureOf(secret, timestamp, rawBody)}`
}

export type SignatureCheck =
  | { ok: true; timestamp: number; signature: string }
  | { ok: false; reason: 'missing' | 'malformed' | 'expired' | 'mismatch' }

/**
 * Checks a signature header against the raw body: the timestamp within `toleranceSeconds` of `now`,
 * and one of the `v1` values (several are allowed while a secret rotates) equal in constant time.
 */
export function checkSignature(input: {
  header: string | undefined
  rawBody: string
  secret: string
  nowSeconds: number
  toleranceSeconds?: number
}): SignatureCheck {
  if (!input.header) return { ok: false, reason: 'missing' }
  if (input.header.length > 1024) return { ok: false, reason: 'malformed' }
  let timestamp: number | undefined
  const given: string[] = []
  for (const part of input.header.split(',')) {
    const eq = part.indexOf('=')
    const k = part.slice(0, eq).trim()
    const v = part.slice(eq + 1).trim()
    if (k === 't' && /^\d{1,12}$/.test(v)) timestamp = Number(v)
    else if (k === 'v1' && /^[0-9a-f]{64}$/.test(v)) given.push(v)
  }
  if (timestamp === undefined || given.length === 0) return { ok: false, reason: 'malformed' }
  if (Math.abs(input.nowSeconds - timestamp) > (input.toleranceSeconds ?? SIGNATURE_TOLERANCE_SECONDS))
    return { ok: false, reason: 'expired' }
  const expected = signatureOf(input.secret, timestamp, input.rawBody)
  // Compare against every candidate so the time does not tell which one (if any) matched.
  let match: string | undefined
  for (const g of given) if (safeEqual(g, expected)) match = g
  return match ? { ok: true, timestamp, signature: match } : { ok: false, reason: 'mismatch' }
}

/**
 * Remembers signatures already accepted, for twice the tolerance (after that the timestamp alone
 * refuses them). `firstUse` is one atomic `SET NX`, so two instances cannot both accept one.
 */
export function makeReplayGuard(redis: Redis, namespace: string, toleranceSeconds = SIGNATURE_TOLERANCE_SECONDS) {
  return {
    async firstUse(tenantId: string, signature: string): Promise<boolean> {
      const ok = await redis.set(`zixly:${namespace}:sig:${tenantId}:${signature}`, '1', 'EX', toleranceSeconds * 2, 'NX')
      return ok === 'OK'
    },
  }
}
export type ReplayGuard = ReturnType<typeof makeReplayGuard>

/**
 * The token a job's Trading-API callback must carry: HMAC-SHA256 of (tenant, job) under the server's
 * callback secret. One scheme only: this delegates to @zixly/platform's `callbackToken`, which the
 * executor puts in the `webhook_url` it submits and `POST /webhook/sweep-callback` checks, so no
 * per-job state is stored anywhere.
 */
export function signCallbackToken(jobId: string, secret: string, tenantId: string): string {
  return callbackToken(secret, tenantId, jobId)
}

/** Whether `token` is the callback token of (tenant, job) (constant time; anything malformed is false). */
export function verifyCallbackToken(jobId: string, token: string | undefined, secret: string, tenantId: string): boolean {
  if (typeof token !== 'string' || token.length === 0 || token.length > 200) return false
  return platformVerify(secret, tenantId, jobId, token)
}
