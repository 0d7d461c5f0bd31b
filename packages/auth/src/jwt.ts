import { createRemoteJWKSet, errors, importSPKI, jwtVerify, SignJWT, type CryptoKey, type JWTVerifyGetKey } from 'jose'
import { JwtClaims } from '@zixly/contracts'

/** Algorithms we ever accept; `none` and anything unlisted are refused before any key is used. */
const KNOWN_ALGORITHMS = new Set(['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384', 'EdDSA'])

export interface JwtOptions {
  issuer: string
  audience: string
  /** Allowed `alg` values; the token's header must name one of them. */
  algorithms: string[]
  /** Shared secret for HS* algorithms (at least 32 bytes). */
  secret?: string
  /** PEM public key (SPKI) for asymmetric algorithms. */
  publicKeyPem?: string
  /** A JWKS endpoint of the identity provider. */
  jwksUrl?: string
  clockToleranceSeconds?: number
}

export type JwtVerifier = (token: string) => Promise<JwtClaims | null>

/**
 * A verifier for bearer JWTs: signature with the configured key, `iss`, `aud`, `exp` (required) and
 * `nbf`, the algorithm from the allow-list only, then our claims (`sub`, `tenant_id`, `role`). Any
 * failure is `null`; the caller answers 401 without saying which check failed.
 */
export async function makeJwtVerifier(opts: JwtOptions): Promise<JwtVerifier> {
  const algorithms = opts.algorithms.filter((a) => KNOWN_ALGORITHMS.has(a))
  if (algorithms.length === 0) throw new Error('JWT_ALGORITHMS names no supported algorithm')
  let key: Uint8Array | CryptoKey | JWTVerifyGetKey
  if (opts.jwksUrl) key = createRemoteJWKSet(new URL(opts.jwksUrl), { timeoutDuration: 3000 })
  else if (opts.publicKeyPem) key = await importSPKI(opts.publicKeyPem, algorithms[0]!)
  else if (opts.secret) {
    if (Buffer.byteLength(opts.secret) < 32) throw new Error('JWT_SECRET must be at least 32 bytes')
    if (!algorithms.every((a) => a.startsWith('HS'))) throw new Error('JWT_SECRET works only with HS256/HS384/HS512')
    key = new TextEncoder().encode(opts.secret)
  } else throw new Error('JWT needs JWT_SECRET, JWT_PUBLIC_KEY or JWT_JWKS_URL')

  return async (token) => {
    if (token.length > 8192) return null
    try {
      const { payload } = await jwtVerify(token, key as Uint8Array, {
        issuer: opts.issuer,
        audience: opts.audience,
        algorithms,
        requiredClaims: ['exp', 'sub'],
        clockTolerance: opts.clockToleranceSeconds ?? 30,
      })
      const claims = JwtClaims.safeParse(payload)
      return claims.success ? claims.data : null
    } catch (err) {
      if (err instanceof errors.JOSEError) return null
      throw err
    }
  }
}

/** Whether a bearer credential looks like a JWT (three base64url parts) rather than an API key. */
export function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token)
}

/**
 * Mints an HS* JWT with our claims, for a machine client whose identity provider is this installation
 * (a shared `JWT_SECRET`), and for tests. `expiresAt` is unix seconds.
 */
export function signJwt(
  claims: { sub: string; tenant_id: string; role: string },
  opts: { secret: string; issuer: string; audience: string; expiresAt: number; alg?: 'HS256' | 'HS384' | 'HS512' },
): Promise<string> {
  return new SignJWT({ tenant_id: claims.tenant_id, role: claims.role })
    .setProtectedHeader({ alg: opts.alg ?? 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuer(opts.issuer)
    .setAudience(opts.audience)
    .setIssuedAt()
    .setExpirationTime(opts.expiresAt)
    .sign(new TextEncoder().encode(opts.secret))
}
