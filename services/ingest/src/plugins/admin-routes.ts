import type { FastifyInstance } from 'fastify'
import {
  ApiKeyIdParams,
  CreateApiKeyBody,
  CreateUserBody,
  UpdateTenantSettingsBody,
  UpdateUserBody,
  UserIdParams,
  type ApiKeysList,
  type TenantSettingsUpdated,
  type UsersList,
} from '@zixly/contracts'
import type { Security } from '@zixly/auth'
import { Conflict, NotFound, ValidationError } from '@zixly/platform'
import type { z } from 'zod'
import { fieldErrors } from '../problem.ts'
import { principalOf } from './auth.ts'

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const r = schema.safeParse(value)
  if (!r.success) throw new ValidationError(`the ${what} is invalid`, fieldErrors(r.error))
  return r.data
}
const idOf = <T>(schema: z.ZodType<T>, params: unknown, what: string): T => {
  const r = schema.safeParse(params)
  if (!r.success) throw new NotFound(`no such ${what}`)
  return r.data
}

/**
 * ADMIN's management of its own tenant: API keys (`/api/keys`), users (`/api/users`) and security
 * settings (`/api/settings`: rate limits, webhook signing secret). Every query runs under the tenant's
 * row-level security, so ids of another tenant are simply not found.
 */
export function adminRoutes(app: FastifyInstance, opts: { security: Security }) {
  const { admin, sessions, store } = opts.security
  const keys = { config: { permission: 'keys:manage' as const } }
  const users = { config: { permission: 'users:manage' as const } }
  const settings = { config: { permission: 'settings:manage' as const } }

  app.get('/api/keys', keys, async (req): Promise<ApiKeysList> => ({ keys: await admin.listApiKeys(principalOf(req).tenantId) }))
  app.post('/api/keys', keys, async (req, reply) => {
    const p = principalOf(req)
    const body = parse(CreateApiKeyBody, req.body, 'API key request')
    const created = await admin.createApiKey(p.tenantId, { ...body, ...(p.kind === 'session' ? { createdBy: p.subject } : {}) })
    return reply.code(201).send(created)
  })
  app.delete('/api/keys/:id', keys, async (req) => {
    const { id } = idOf(ApiKeyIdParams, req.params, 'API key')
    const revoked = await admin.revokeApiKey(principalOf(req).tenantId, id)
    if (!revoked) throw new NotFound('no such API key')
    return revoked
  })

  app.get('/api/users', users, async (req): Promise<UsersList> => ({ users: await admin.listUsers(principalOf(req).tenantId) }))
  app.post('/api/users', users, async (req, reply) => {
    const body = parse(CreateUserBody, req.body, 'user')
    return reply.code(201).send(await admin.createUser(principalOf(req).tenantId, body))
  })
  app.patch('/api/users/:id', users, async (req) => {
    const p = principalOf(req)
    const { id } = idOf(UserIdParams, req.params, 'user')
    const patch = parse(UpdateUserBody, req.body, 'user update')
    if (id === p.subject && (patch.role !== undefined || patch.disabled === true))
      throw new Conflict('you cannot change your own role or disable yourself', 'SELF_CHANGE')
    const user = await admin.updateUser(p.tenantId, id, patch)
    if (!user) throw new NotFound('no such user')
    // A new role, password or a disabled account takes effect now, not when the session ends.
    await sessions.destroyUser(id)
    return user
  })
  app.delete('/api/users/:id', users, async (req, reply) => {
    const p = principalOf(req)
    const { id } = idOf(UserIdParams, req.params, 'user')
    if (id === p.subject) throw new Conflict('you cannot delete yourself', 'SELF_CHANGE')
    if (!(await admin.deleteUser(p.tenantId, id))) throw new NotFound('no such user')
    await sessions.destroyUser(id)
    return reply.code(204).send()
  })

  app.get('/api/settings', settings, async (req) => admin.settings(principalOf(req).tenantId))
  app.patch('/api/settings', settings, async (req): Promise<TenantSettingsUpdated> => {
    const tenantId = principalOf(req).tenantId
    const out = await admin.updateSettings(tenantId, parse(UpdateTenantSettingsBody, req.body, 'settings update'))
    store.forget(tenantId)
    return out
  })
}
