import { inTransaction } from '@zixly/platform'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isolatedEnv, type TestEnv } from '../../../test/support/env.ts'
import { DEFERRED, deferIndexes, restoreIndexes } from '../src/replay/bulk.ts'

let env: TestEnv
beforeAll(async () => {
  env = await isolatedEnv('bulk')
})
afterAll(async () => {
  await env?.cleanup()
})

const TABLES = ['pipeline_jobs', 'job_attempts', 'trading_sweep_results', 'job_events']
const definitions = async () =>
  (
    await env.pool.query<{ def: string }>(
      `SELECT indexdef AS def FROM pg_indexes WHERE schemaname = $1
       UNION ALL SELECT conrelid::regclass::text || ' ' || pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace = $1::regnamespace
       ORDER BY 1`,
      [env.schema],
    )
  ).rows.map((r) => r.def)

describe('deferred indexes of a rebuild', () => {
  it('restores every index and foreign key it dropped, and goes on with what is left after a restore failed part way', async () => {
    const before = await definitions()
    await inTransaction(env.pool, (c) => deferIndexes(c, env.schema, TABLES))
    expect((await definitions()).length).toBeLessThan(before.length)
    const count = async () => Number((await env.pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${DEFERRED}`)).rows[0]!.n)
    const all = await count()

    // An obstacle: a relation of the name one index is recreated under.
    await env.pool.query(`CREATE TABLE job_events_job (x int)`)
    await expect(restoreIndexes(env.pool, env.schema)).rejects.toThrow(/job_events_job/)
    const left = await count()
    expect(left).toBeGreaterThan(0)
    expect(left).toBeLessThan(all)

    await env.pool.query(`DROP TABLE job_events_job`)
    await restoreIndexes(env.pool, env.schema)
    expect(await definitions()).toEqual(before)
    expect((await env.pool.query(`SELECT to_regclass($1) AS t`, [`${env.schema}.${DEFERRED}`])).rows[0]).toEqual({ t: null })
  })
})
