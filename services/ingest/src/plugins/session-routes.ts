import type { FastifyInstance } from 'fastify'
import { LoginBody, type AuthMe } from '@zixly/contracts'
import { cookieValue, SESSION_COOKIE, sessionCookie, type Security } from '@zixly/auth'
import { RateLimited, sha256, Unauthorized, ValidationError } from '@zixly/platform'
import { fieldErrors } from '../problem.ts'
import { principalOf } from './auth.ts'

/** Login attempts per minute, per client address and per email (guessing passwords is slow work). */
const LOGIN_LIMITS = { perIp: 30, perEmail: 10 }

/**
 * People's sessions: `POST /api/auth/login` → `{user}` and the `zixly_session` cookie (HttpOnly,
 * SameSite=Strict, Path=/, Secure unless development); `POST /api/auth/logout`; `GET /api/auth/me`.
 */
export function sessionRoutes(app: FastifyInstance, opts: { security: Security; cookieSecure: boolean }) {
  const { security } = opts

  app.post('/api/auth/login', { config: { permission: 'public' } }, async (req, reply) => {
    const body = LoginBody.safeParse(req.body)
    if (!body.success) throw new ValidationError('the login request is invalid', fieldErrors(body.error))
    const gate = await security.limiter.hit([
      { name: `login:ip:${req.ip}`, limit: LOGIN_LIMITS.perIp },
      { name: `login:email:${sha256(body.data.email)}`, limit: LOGIN_LIMITS.perEmail },
    ])
    if (!gate.admitted) throw new RateLimited(gate.resetSeconds)
    const user = await security.authenticator.login(body.data.email, body.data.password)
    if (!user) throw new Unauthorized('invalid email or password')
    const id = await security.sessions.create(user)
    const answer: AuthMe = { user }
    return reply.header('set-cookie', sessionCookie(id, { secure: opts.cookieSecure })).send(answer)
  })

  app.post('/api/auth/logout', { config: { permission: 'public' } }, async (req, reply) => {
    await security.sessions.destroy(cookieValue(req.headers.cookie, SESSION_COOKIE))
    return reply.code(204).header('set-cookie', sessionCookie(null, { secure: opts.cookieSecure })).send()
  })

  app.get('/api/auth/me', { config: { permission: 'authenticated' } }, async (req) => {
    const p = principalOf(req)
    const answer: AuthMe = { user: { id: p.subject, email: p.email ?? '', role: p.role, tenant_id: p.tenantId } }
    return answer
  })
}
