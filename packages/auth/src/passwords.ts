import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto'

/**
 * scrypt parameters: N = 2^15, r = 8, p = 1 (the OWASP minimum is 2^17 with 16 MiB; 2^15 keeps a
 * login near 50 ms on this 2-core machine while needing 32 MiB per guess). They are stored with each
 * hash, so raising them later re-hashes nobody and breaks no one.
 */
const DEFAULTS = { N: 2 ** 15, r: 8, p: 1, keylen: 32 }

function derive(password: string, salt: Buffer, keylen: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFKC'), salt, keylen, { ...opts, maxmem: 256 * 1024 * 1024 }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  )
}

/** `scrypt$N$r$p$<salt b64>$<hash b64>`. */
export async function hashPassword(password: string, params: Partial<typeof DEFAULTS> = {}): Promise<string> {
  const { N, r, p, keylen } = { ...DEFAULTS, ...params }
  const salt = randomBytes(16)
  const key = await derive(password, salt, keylen, { N, r, p })
  return `scrypt$${N}$${r}$${p}$${salt.toString('base64')}$${key.toString('base64')}`
}

/** Whether `password` matches `stored`; a malformed stored hash never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$')
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number]
  if (![N, r, p].every((v) => Number.isInteger(v) && v > 0) || N > 2 ** 20) return false
  const salt = Buffer.from(parts[4]!, 'base64')
  const expected = Buffer.from(parts[5]!, 'base64')
  if (expected.length < 16) return false
  const key = await derive(password, salt, expected.length, { N, r, p })
  return timingSafeEqual(key, expected)
}

/**
 * A hash of a password nobody has: verifying against it costs what a real check costs, so a login
 * for an unknown email takes as long as one with a wrong password.
 */
export const DUMMY_PASSWORD_HASH = `scrypt$${DEFAULTS.N}$${DEFAULTS.r}$${DEFAULTS.p}$${Buffer.alloc(16).toString('base64')}$${Buffer.alloc(32).toString('base64')}`
