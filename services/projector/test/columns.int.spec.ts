import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isolatedEnv, type TestEnv } from '../../../test/support/env.ts'
import { copyIn } from '../src/copy.ts'
import { CopyRows } from '../src/projections/copy-rows.ts'
import { ColumnRows } from '../src/projections/sql.ts'

// The projections write through array literals they build themselves (projections/sql.ts); this
// proves against Postgres that every value comes back exactly as it went in.

let env: TestEnv
beforeAll(async () => {
  env = await isolatedEnv('columns')
  await env.pool.query(`CREATE TABLE roundtrip (k int PRIMARY KEY, t text, n float8, i bigint, u uuid, at timestamptz, j jsonb)`)
  await env.pool.query(`CREATE TABLE copied (LIKE roundtrip INCLUDING ALL)`)
})
afterAll(async () => {
  await env?.cleanup()
})

const TYPES = { k: 'int', t: 'text', n: 'float8', i: 'bigint', u: 'uuid', at: 'timestamptz', j: 'jsonb' }
const tricky = ['', 'NULL', 'null', 'a "quoted" word', 'back\\slash\\', '{braces}, commas', '  spaces  ', 'tab\tnew\nline', 'ünïcødé ✓', '\\"', '"']

describe('column literals (unnest of typed arrays)', () => {
  it('round-trips text with quotes, backslashes, braces, commas, blanks and NULL-looking words, numbers, uuids, timestamps and JSON', async () => {
    const rows = new ColumnRows(TYPES)
    const expected: unknown[][] = []
    tricky.forEach((t, k) => {
      const j = k % 3 === 0 ? null : { text: t, list: [t, k, null], nested: { n: -0.1 * k } }
      const row = [k, t, 1 / (k + 3), 2 ** 53 - k, `${String(k).padStart(8, "0")}-0000-4000-8000-000000000000`, new Date(Date.UTC(2026, 0, 1, 0, 0, k, 123)).toISOString(), j]
      rows.push(row)
      expected.push(row)
    })
    rows.push([100, null, null, null, null, null, null])
    expected.push([100, null, null, null, null, null, null])
    const s = rows.insert('roundtrip', 'ON CONFLICT (k) DO NOTHING')
    await env.pool.query(s.text, [...s.values])

    const got = await env.pool.query(`SELECT k, t, n, i::text AS i, u::text AS u, to_json(at)#>>'{}' AS at, j FROM roundtrip ORDER BY k`)
    expect(got.rows.map((r) => [r.k, r.t, r.n, r.i === null ? null : Number(r.i), r.u, r.at === null ? null : new Date(r.at).toISOString(), r.j])).toEqual(expected)
  })

  it('writes a JSON null as SQL NULL, as jsonb_populate_recordset did', async () => {
    const rows = new ColumnRows({ k: 'int', j: 'jsonb' })
    rows.push([200, null])
    rows.push([201, undefined])
    const s = rows.insert('roundtrip', '')
    await env.pool.query(s.text, [...s.values])
    const got = await env.pool.query(`SELECT k, j IS NULL AS is_null FROM roundtrip WHERE k >= 200 ORDER BY k`)
    expect(got.rows).toEqual([
      { k: 200, is_null: true },
      { k: 201, is_null: true },
    ])
  })

  it('COPY rows (the bulk path) store exactly what the array literals store, tricky text and JSON null included', async () => {
    const literal = new ColumnRows(TYPES)
    const copy = new CopyRows(TYPES)
    const rows: unknown[][] = []
    // More than one chunk of lines, with backslashes, tabs, newlines and carriage returns in text and JSON.
    for (let k = 0; k < 700; k++) {
      const t = tricky[k % tricky.length]! + (k % 5 === 0 ? '\r\\N\t\\' : '')
      const j = k % 4 === 0 ? null : k % 4 === 1 ? undefined : { text: t, list: [t, k, null], nested: { n: -0.1 * k } }
      rows.push([k, k % 7 === 0 ? null : t, 1 / (k + 3), 2 ** 53 - k, `${String(k).padStart(8, '0')}-0000-4000-8000-000000000000`, new Date(Date.UTC(2026, 0, 1, 0, 0, k, 123)).toISOString(), j])
    }
    for (const r of rows) {
      literal.push(r)
      copy.push(r)
    }
    const c = await env.pool.connect()
    try {
      await c.query('BEGIN')
      await c.query('TRUNCATE roundtrip')
      const s = literal.insert('roundtrip', '')
      await c.query(s.text, [...s.values])
      await copyIn(c, copy.copy('copied'))
      await c.query('COMMIT')
    } finally {
      c.release()
    }
    const dump = async (t: string) => (await env.pool.query(`SELECT string_agg(x::text, E'\\n' ORDER BY k) AS d, count(*) AS n FROM ${t} x`)).rows[0]
    const [a, b] = [await dump('roundtrip'), await dump('copied')]
    expect(Number(b.n)).toBe(700)
    expect(b.d).toBe(a.d)
  })

  it('a failing COPY rejects and leaves the connection usable', async () => {
    const copy = new CopyRows({ k: 'int', t: 'text' })
    copy.push([1, 'one'])
    copy.push([1, 'again'])
    const c = await env.pool.connect()
    try {
      await expect(copyIn(c, copy.copy('copied'))).rejects.toThrow(/duplicate key/)
      expect((await c.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
    } finally {
      c.release()
    }
  })
})
