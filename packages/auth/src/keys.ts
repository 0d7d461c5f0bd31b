import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

/** Every API key starts with this, so a leaked key is recognisable (and scannable) as ours. */
export const API_KEY_PREFIX = 'zxk'

/**
 * A new API key: `zxk_<id>_<secret>`. The id (12 hex characters) is public and finds the stored row;
 * the secret (32 random bytes) is never stored, only the SHA-256 of the whole key. A key this random
 * needs no slow hash: guessing 256 bits is out of reach however fast the hash is.
 */
export function generateApiKey(): { id: string; key: string; hash: string } {
  const id = randomBytes(6).toString('hex')
  const key = `${API_KEY_PREFIX}_${id}_${randomBytes(32).toString('base64url')}`
  return { id, key, hash: hashApiKey(key) }
}

/** SHA-256 hex of a key, as stored. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex')
}

/** The id of a well-formed key, or null: only the shape is checked here, not the secret. */
export function parseApiKey(key: string): { id: string } | null {
  const m = /^zxk_([0-9a-f]{12})_[A-Za-z0-9_-]{43}$/.exec(key)
  return m ? { id: m[1]! } : null
}

/** Constant-time comparison of two hex digests (or any two strings). */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8')
  const y = Buffer.from(b, 'utf8')
  // Compare equal-length buffers so the time does not reveal the length of the right answer either.
  if (x.length !== y.length) {
    timingSafeEqual(x, x)
    return false
  }
  return timingSafeEqual(x, y)
}

/** A random secret for webhook signing or sessions: 32 bytes, base64url. */
export function randomSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url')
}
