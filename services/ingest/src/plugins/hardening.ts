import cors from '@fastify/cors'
import helmet from 'helmet'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'

export interface HardeningOptions {
  /** Origins allowed to call the API from a browser (the dashboard is a backend-for-frontend and needs none). */
  corsOrigins: readonly string[]
  /** Deepest JSON nesting accepted (objects and arrays). */
  maxJsonDepth?: number
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The body exactly as received (JSON routes), for webhook signatures. */
    rawBody?: string
  }
}

const bad = (code: string, message: string) => Object.assign(new Error(message), { statusCode: 400, code })

/** Whether JSON text nests deeper than `max`, by one pass over it (before any parser recurses). */
export function jsonDepthExceeds(text: string, max: number): boolean {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i)
    if (inString) {
      if (ch === 0x5c) i++
      else if (ch === 0x22) inString = false
    } else if (ch === 0x22) inString = true
    else if (ch === 0x7b || ch === 0x5b) {
      if (++depth > max) return true
    } else if (ch === 0x7d || ch === 0x5d) depth--
  }
  return false
}

/** Refuses keys that could reach an object's prototype when a parsed body is merged somewhere. */
function noPrototypeKeys(key: string, value: unknown): unknown {
  if (key === '__proto__' || (key === 'constructor' && value !== null && typeof value === 'object' && 'prototype' in value))
    throw bad('FORBIDDEN_JSON_KEY', `the key "${key}" is not allowed`)
  return value
}

/** helmet's defaults, with a CSP for an API: nothing may load or frame it. */
export const HELMET_OPTIONS = {
  contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
  crossOriginResourcePolicy: { policy: 'same-origin' },
} as const satisfies Parameters<typeof helmet>[0]

/**
 * Security headers (helmet's defaults, with a CSP for an API: nothing may load or frame it), a CORS
 * allow-list, and a JSON parser that keeps the raw body, refuses other charsets than UTF-8, nesting
 * deeper than `maxJsonDepth` and prototype keys. Body size is fastify's `bodyLimit` (buildApp).
 */
export const hardening = fp(
  async (app: FastifyInstance, opts: HardeningOptions) => {
    // helmet's middleware, built once: @fastify/helmet builds it again for every request (~5 % of
    // ingest's CPU per webhook) to allow per-route options, which no route here has. Same headers.
    const securityHeaders = helmet(HELMET_OPTIONS)
    app.addHook('onRequest', (req, reply, done) => securityHeaders(req.raw, reply.raw, (err) => done(err as Error | undefined)))
    const allowed = new Set(opts.corsOrigins)
    await app.register(cors, {
      origin: (origin, cb) => cb(null, origin !== undefined && allowed.has(origin)),
      credentials: false,
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: ['Content-Type', 'Authorization', 'X-API-Key', 'Idempotency-Key', 'X-Zixly-Signature', 'X-Request-Id'],
      exposedHeaders: ['Location', 'Retry-After', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset', 'RateLimit-Policy'],
      maxAge: 600,
    })

    const maxDepth = opts.maxJsonDepth ?? 32
    // Only JSON is read: fastify's default text/plain parser would hand a string to the handlers.
    app.removeContentTypeParser(['application/json', 'text/plain'])
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
      const text = body as string
      const charset = /;\s*charset=([^;\s]+)/i.exec(req.headers['content-type'] ?? '')?.[1]?.replace(/"/g, '').toLowerCase()
      if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8')
        return done(bad('FST_ERR_CTP_INVALID_MEDIA_TYPE', 'the body must be UTF-8 JSON'), undefined)
      if (text.trim().length === 0) return done(bad('FST_ERR_CTP_EMPTY_JSON_BODY', 'the body is empty'), undefined)
      if (jsonDepthExceeds(text, maxDepth)) return done(bad('JSON_TOO_DEEP', `the body nests deeper than ${maxDepth} levels`), undefined)
      try {
        const value: unknown = JSON.parse(text, noPrototypeKeys)
        req.rawBody = text
        done(null, value)
      } catch (err) {
        done((err as { statusCode?: unknown }).statusCode === 400 ? (err as Error) : bad('FST_ERR_CTP_INVALID_JSON_BODY', 'the body is not valid JSON'), undefined)
      }
    })

    // API answers are per caller: no shared cache may keep them.
    app.addHook('onSend', async (_req, reply, payload) => {
      if (!reply.hasHeader('cache-control')) void reply.header('cache-control', 'no-store')
      return payload
    })
  },
  { name: 'zixly-hardening', fastify: '5.x' },
)
