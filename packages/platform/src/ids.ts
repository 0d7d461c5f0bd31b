import { createHash, createHmac, timingSafeEqual } from 'node:crypto'

/** RFC 4122 name-based UUID (version 5, SHA-1): the same name in the same namespace gives the same id. */
export function uuidV5(name: string, namespace: string): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex')
  if (ns.length !== 16) throw new Error('namespace must be a UUID')
  const hash = createHash('sha1').update(ns).update(name, 'utf8').digest()
  hash[6] = (hash[6]! & 0x0f) | 0x50
  hash[8] = (hash[8]! & 0x3f) | 0x80
  const h = hash.subarray(0, 16).toString('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`
}

/** SHA-256 hex of a string. */
export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}

/** JSON with object keys sorted, so equal values hash equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  )
}

/**
 * The token a Trading API must echo on its callback for (tenant, job): an HMAC with the callback
 * secret, so a callback cannot be forged for a job by anyone who does not hold the secret.
 */
export function callbackToken(secret: string, tenantId: string, jobId: string): string {
  return createHmac('sha256', secret).update(`callback\n${tenantId}\n${jobId}`).digest('base64url')
}

/** Constant-time check of a callback token. */
export function verifyCallbackToken(secret: string, tenantId: string, jobId: string, token: string): boolean {
  const want = Buffer.from(callbackToken(secret, tenantId, jobId))
  const got = Buffer.from(token)
  return want.length === got.length && timingSafeEqual(want, got)
}
