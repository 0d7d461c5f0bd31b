import { describe, expect, it } from 'vitest'
import { generateApiKey, hashApiKey, parseApiKey, safeEqual } from '../src/keys.ts'
import { DUMMY_PASSWORD_HASH, hashPassword, verifyPassword } from '../src/passwords.ts'
import { checkSignature, signCallbackToken, signWebhook, verifyCallbackToken } from '../src/signatures.ts'

describe('API keys', () => {
  it('are random, carry their public id, and are stored only as a SHA-256', () => {
    const a = generateApiKey()
    const b = generateApiKey()
    expect(a.key).not.toBe(b.key)
    expect(parseApiKey(a.key)).toEqual({ id: a.id })
    expect(a.hash).toBe(hashApiKey(a.key))
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/)
    expect(a.hash.includes(a.key.split('_')[2]!)).toBe(false)
  })
  it.each(['', 'zxk_', 'zxk_0123456789ab_short', 'abc_0123456789ab_' + 'A'.repeat(43), 'zxk_0123456789AB_' + 'A'.repeat(43), "zxk_0123456789ab_' OR 1=1 --"])(
    'refuses the malformed key %j before any lookup',
    (k) => expect(parseApiKey(k)).toBeNull(),
  )
  it('compares in constant time and tells unequal lengths apart', () => {
    expect(safeEqual('abc', 'abc')).toBe(true)
    expect(safeEqual('abc', 'abd')).toBe(false)
    expect(safeEqual('abc', 'abcd')).toBe(false)
  })
})

describe('passwords (scrypt)', () => {
  it('verify the right password and refuse a wrong one', async () => {
    const h = await hashPassword('correct horse battery staple', { N: 2 ** 12 })
    expect(h).toMatch(/^scrypt\$4096\$8\$1\$/)
    expect(await verifyPassword('correct horse battery staple', h)).toBe(true)
    expect(await verifyPassword('correct horse battery stapl', h)).toBe(false)
  })
  it('salt every hash', async () => {
    expect(await hashPassword('same', { N: 2 ** 10 })).not.toBe(await hashPassword('same', { N: 2 ** 10 }))
  })
  it('never match a malformed or dummy hash', async () => {
    expect(await verifyPassword('x', 'plain-text')).toBe(false)
    expect(await verifyPassword('x', 'scrypt$99999999999$8$1$AA==$AA==')).toBe(false)
    expect(await verifyPassword('', DUMMY_PASSWORD_HASH)).toBe(false)
  })
})

describe('webhook signatures', () => {
  const secret = 'whsec_test_0123456789abcdefghijklmnopqrstuvwxyz'
  const body = '{"ticker":"BTC-USD"}'
  const now = 1_800_000_000

  it('accept a fresh signature over t + "." + body', () => {
    expect(checkSignature({ header: signWebhook(secret, body, now), rawBody: body, secret, nowSeconds: now + 10 })).toMatchObject({ ok: true, timestamp: now })
  })
  it('refuse a missing header, a wrong secret, another body, and garbage', () => {
    expect(checkSignature({ header: undefined, rawBody: body, secret, nowSeconds: now })).toEqual({ ok: false, reason: 'missing' })
    expect(checkSignature({ header: signWebhook('other-secret', body, now), rawBody: body, secret, nowSeconds: now })).toEqual({ ok: false, reason: 'mismatch' })
    expect(checkSignature({ header: signWebhook(secret, body, now), rawBody: body + ' ', secret, nowSeconds: now })).toEqual({ ok: false, reason: 'mismatch' })
    expect(checkSignature({ header: 't=abc,v1=zz', rawBody: body, secret, nowSeconds: now })).toEqual({ ok: false, reason: 'malformed' })
  })
  it('refuse a signature 10 minutes old or 10 minutes ahead (tolerance 5 minutes)', () => {
    expect(checkSignature({ header: signWebhook(secret, body, now - 600), rawBody: body, secret, nowSeconds: now })).toEqual({ ok: false, reason: 'expired' })
    expect(checkSignature({ header: signWebhook(secret, body, now + 600), rawBody: body, secret, nowSeconds: now })).toEqual({ ok: false, reason: 'expired' })
    expect(checkSignature({ header: signWebhook(secret, body, now - 299), rawBody: body, secret, nowSeconds: now }).ok).toBe(true)
  })
  it('accept any of several v1 values (secret rotation)', () => {
    const good = signWebhook(secret, body, now).split(',v1=')[1]
    expect(checkSignature({ header: `t=${now},v1=${'0'.repeat(64)},v1=${good}`, rawBody: body, secret, nowSeconds: now }).ok).toBe(true)
  })
})

describe('Trading-API callback tokens', () => {
  it('verify for the job and tenant they were made for only', () => {
    const t = signCallbackToken('job-1', 'callback-secret-0123456789abcdef', 'acme')
    expect(verifyCallbackToken('job-1', t, 'callback-secret-0123456789abcdef', 'acme')).toBe(true)
    expect(verifyCallbackToken('job-2', t, 'callback-secret-0123456789abcdef', 'acme')).toBe(false)
    expect(verifyCallbackToken('job-1', t, 'callback-secret-0123456789abcdef', 'other')).toBe(false)
    expect(verifyCallbackToken('job-1', undefined, 'callback-secret-0123456789abcdef', 'acme')).toBe(false)
  })
})
