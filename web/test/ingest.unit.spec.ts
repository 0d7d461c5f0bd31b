import { describe, expect, it } from 'vitest'
import { makeIngest } from '../src/lib/server/ingest.ts'

describe('the ingest client', () => {
  it("sends the person's address with a login as X-Forwarded-For (ingest's login limit counts people, not the dashboard)", async () => {
    const seen: Headers[] = []
    const fake = (async (_url: string, init: RequestInit) => {
      seen.push(new Headers(init.headers))
      return new Response(JSON.stringify({ user: { id: 'u1', email: 'a@acme.test', role: 'VIEWER', tenant_id: 'acme' } }), {
        headers: { 'content-type': 'application/json', 'set-cookie': 'zixly_session=abc; Path=/; HttpOnly' },
      })
    }) as typeof fetch
    const api = makeIngest({ baseUrl: 'http://ingest.test', timeoutMs: 1000, fetch: fake })(null)
    await api.login('a@acme.test', 'a long enough password', '203.0.113.7')
    await api.login('a@acme.test', 'a long enough password')
    expect(seen.map((h) => h.get('x-forwarded-for'))).toEqual(['203.0.113.7', null])
  })
})
