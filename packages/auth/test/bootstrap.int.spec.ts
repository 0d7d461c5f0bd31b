import { afterAll, beforeAll, expect, it } from 'vitest'
import { isolatedEnv, type TestEnv } from '../../../test/support/env.ts'
import { bootstrapLocal, LOCAL_ADMIN_EMAIL } from '../src/bootstrap.ts'
import { makeSecurity } from '../src/security.ts'

let env: TestEnv
beforeAll(async () => {
  env = await isolatedEnv('bootstrap')
})
afterAll(async () => env?.cleanup())

it('creates the local tenant, admin and key once, with credentials that work', async () => {
  const first = await bootstrapLocal(env.pool, 'local', null)
  expect(first.created).toEqual(['tenant', 'signing secret', 'API key', 'admin user'])
  expect(first.credentials).toMatchObject({ tenant_id: 'local', admin_email: LOCAL_ADMIN_EMAIL })
  const security = makeSecurity({ pool: env.pool, redis: env.redis, namespace: env.namespace })
  expect(await security.authenticator.authenticate({ apiKey: first.credentials.api_key })).toMatchObject({
    tenantId: 'local',
    role: 'EDITOR',
    signingSecret: first.credentials.signing_secret,
  })
  expect(await security.authenticator.login(LOCAL_ADMIN_EMAIL, first.credentials.admin_password)).toMatchObject({ role: 'ADMIN', tenant_id: 'local' })

  const again = await bootstrapLocal(env.pool, 'local', first.credentials)
  expect(again).toEqual({ credentials: first.credentials, created: [] })
})

it('puts the same credentials back into a database that lost them', async () => {
  const { credentials } = await bootstrapLocal(env.pool, 'local', null)
  await env.pool.query(`TRUNCATE tenants, users, api_keys, tenant_settings`)
  const restored = await bootstrapLocal(env.pool, 'local', credentials)
  expect(restored.credentials).toEqual(credentials)
  expect(restored.created).toEqual(['tenant', 'signing secret', 'API key', 'admin user'])
  const security = makeSecurity({ pool: env.pool, redis: env.redis, namespace: env.namespace })
  expect(await security.authenticator.authenticate({ apiKey: credentials.api_key })).not.toBeNull()
})

it('gives a checkout without credentials.json working credentials against an existing database', async () => {
  await bootstrapLocal(env.pool, 'local', null)
  // A second checkout: the database has the tenant, but this checkout has no file.
  const { credentials, created } = await bootstrapLocal(env.pool, 'local', null)
  expect(created).toEqual(expect.arrayContaining(['signing secret', 'API key', 'admin password']))
  const security = makeSecurity({ pool: env.pool, redis: env.redis, namespace: env.namespace })
  expect(await security.authenticator.authenticate({ apiKey: credentials.api_key })).toMatchObject({
    tenantId: 'local',
    signingSecret: credentials.signing_secret,
  })
  expect(await security.authenticator.login(LOCAL_ADMIN_EMAIL, credentials.admin_password)).toMatchObject({ role: 'ADMIN' })
})
