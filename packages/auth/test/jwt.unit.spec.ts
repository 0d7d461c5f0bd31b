import { SignJWT } from 'jose'
import { describe, expect, it } from 'vitest'
import { makeJwtVerifier } from '../src/jwt.ts'

const secret = 'jwt-test-secret-0123456789-abcdefghijklmnop'
const key = new TextEncoder().encode(secret)
const claims = { tenant_id: 'acme', role: 'EDITOR' }
const sign = (opts: { iss?: string; aud?: string; exp?: string | number; alg?: string; k?: Uint8Array; body?: object } = {}) =>
  new SignJWT({ ...claims, ...opts.body })
    .setProtectedHeader({ alg: opts.alg ?? 'HS256' })
    .setSubject('client-1')
    .setIssuer(opts.iss ?? 'https://idp.example')
    .setAudience(opts.aud ?? 'zixly')
    .setIssuedAt()
    .setExpirationTime(opts.exp ?? '5m')
    .sign(opts.k ?? key)
const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url')

describe('JWT verification', async () => {
  const verify = await makeJwtVerifier({ issuer: 'https://idp.example', audience: 'zixly', algorithms: ['HS256'], secret })

  it('accepts a valid token and answers its claims', async () => {
    expect(await verify(await sign())).toMatchObject({ sub: 'client-1', tenant_id: 'acme', role: 'EDITOR' })
  })
  it('refuses alg "none" (an unsigned token)', async () => {
    const payload = { sub: 'client-1', ...claims, iss: 'https://idp.example', aud: 'zixly', exp: Math.floor(Date.now() / 1000) + 300 }
    expect(await verify(`${b64({ alg: 'none', typ: 'JWT' })}.${b64(payload)}.`)).toBeNull()
  })
  it('refuses a wrong signature', async () => {
    expect(await verify(await sign({ k: new TextEncoder().encode('another-secret-0123456789-abcdefghijklmnop') }))).toBeNull()
  })
  it('refuses an expired token', async () => {
    expect(await verify(await sign({ exp: Math.floor(Date.now() / 1000) - 3600 }))).toBeNull()
  })
  it('refuses another issuer and another audience', async () => {
    expect(await verify(await sign({ iss: 'https://evil.example' }))).toBeNull()
    expect(await verify(await sign({ aud: 'someone-else' }))).toBeNull()
  })
  it('refuses an algorithm that is not allowed, even with the right key', async () => {
    expect(await verify(await sign({ alg: 'HS512' }))).toBeNull()
  })
  it('refuses a token without our claims', async () => {
    expect(await verify(await sign({ body: { role: 'ROOT' } }))).toBeNull()
    expect(await verify(await sign({ body: { tenant_id: 'a.b' } }))).toBeNull()
  })
  it('refuses a short secret at configuration time', async () => {
    await expect(makeJwtVerifier({ issuer: 'i', audience: 'a', algorithms: ['HS256'], secret: 'short' })).rejects.toThrow(/32 bytes/)
  })
})
