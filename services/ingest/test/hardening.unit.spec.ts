import fastifyHelmet from '@fastify/helmet'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterAll, describe, expect, it } from 'vitest'
import { hardening, HELMET_OPTIONS } from '../src/plugins/hardening.ts'

// The hardening plugin applies helmet's middleware itself, built once, instead of registering
// @fastify/helmet (which builds it per request): the answers must carry the very same headers.

const routes = (app: FastifyInstance) => {
  app.get('/ok', async () => ({ ok: true }))
  app.get('/boom', async () => {
    throw Object.assign(new Error('no'), { statusCode: 409 })
  })
}

async function ours(): Promise<FastifyInstance> {
  const app = Fastify()
  await app.register(hardening, { corsOrigins: [] })
  routes(app)
  return app
}

async function fastifyHelmets(): Promise<FastifyInstance> {
  const app = Fastify()
  await app.register(fastifyHelmet, HELMET_OPTIONS)
  // the rest of the plugin's answer headers (no-store)
  app.addHook('onSend', async (_req, reply, payload) => {
    if (!reply.hasHeader('cache-control')) void reply.header('cache-control', 'no-store')
    return payload
  })
  routes(app)
  return app
}

const apps: FastifyInstance[] = []
afterAll(async () => Promise.all(apps.map((a) => a.close())))

const headersOf = async (app: FastifyInstance, url: string) => {
  // what differs for other reasons: the time, and the CORS plugin's `vary` (registered only in ours)
  const { date: _date, vary: _vary, ...rest } = (await app.inject({ method: 'GET', url })).headers
  return rest
}

describe('security headers', () => {
  it('are the ones @fastify/helmet sets with the same options, on answers, errors and 404s', async () => {
    const [a, b] = await Promise.all([ours(), fastifyHelmets()])
    apps.push(a, b)
    for (const url of ['/ok', '/boom', '/nowhere']) {
      const got = await headersOf(a, url)
      expect(got['content-security-policy'], url).toBe("default-src 'none';frame-ancestors 'none'")
      expect(got, url).toEqual(await headersOf(b, url))
    }
  })
})
