import { quoteIdent, type Pool, type PoolClient } from '@zixly/platform'

// A rebuild fills fresh tables from sequence 1. Profiling showed most of a batch's time in keeping
// secondary indexes and foreign keys up to date row by row (a foreign key runs one lookup per inserted
// result row). So while `<schema>_next` is bulk-loaded they are dropped, and recreated in one pass
// each before the swap — an index build sorts once, a foreign key is validated with one join. Primary
// keys and unique indexes stay: the upserts' ON CONFLICT needs them. The definitions are kept in a
// table of the build schema, so an interrupted rebuild resumed later still recreates them.
//
// The tables stay logged. Loading them UNLOGGED and running `SET LOGGED` before the swap was tried
// and measured: SET LOGGED rewrites the whole table and rebuilds its indexes, which took longer than
// the WAL it saved (COPY already writes multi-row WAL records), and the swap waited for it.

/** The build schema's own bookkeeping table: never a read model, never carried over. */
export const DEFERRED = 'rebuild_deferred_ddl'

/**
 * Drops the secondary indexes and foreign keys of `tables` in `schema`, remembering how to undo it.
 * Does nothing when already done (a resumed rebuild).
 */
export async function deferIndexes(c: PoolClient, schema: string, tables: readonly string[]): Promise<void> {
  const s = quoteIdent(schema)
  const exists = await c.query(`SELECT to_regclass($1) AS t`, [`${s}.${DEFERRED}`])
  if ((exists.rows[0] as { t: string | null }).t !== null) return
  await c.query(`SET LOCAL search_path TO ${s}, public`)
  const relations = tables.map((t) => `${s}.${quoteIdent(t)}`)
  const fks = await c.query<{ tbl: string; name: string; def: string }>(
    `SELECT conrelid::regclass::text AS tbl, conname AS name, pg_get_constraintdef(oid) AS def FROM pg_constraint
     WHERE contype = 'f' AND conrelid = ANY($1::regclass[]) ORDER BY conrelid, conname`,
    [relations],
  )
  const indexes = await c.query<{ name: string; def: string }>(
    `SELECT indexrelid::regclass::text AS name, pg_get_indexdef(indexrelid) AS def FROM pg_index i
     WHERE indrelid = ANY($1::regclass[]) AND NOT indisprimary AND NOT indisunique
       AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
     ORDER BY indexrelid`,
    [relations],
  )
  await c.query(`CREATE TABLE ${s}.${DEFERRED} (ord serial PRIMARY KEY, ddl text NOT NULL)`)
  const restore = [
    ...indexes.rows.map((i) => i.def),
    ...fks.rows.map((f) => `ALTER TABLE ${f.tbl} ADD CONSTRAINT ${quoteIdent(f.name)} ${f.def}`),
  ]
  if (restore.length > 0) await c.query(`INSERT INTO ${s}.${DEFERRED} (ddl) SELECT unnest($1::text[])`, [restore])
  for (const f of fks.rows) await c.query(`ALTER TABLE ${f.tbl} DROP CONSTRAINT ${quoteIdent(f.name)}`)
  for (const i of indexes.rows) await c.query(`DROP INDEX ${i.name}`)
}

/**
 * Undoes `deferIndexes` in `schema`, if it was done: indexes, `parallel` at a time on connections of
 * their own (an index build keeps one core busy, and nothing else runs meanwhile), then foreign keys
 * one after another (each locks the table it references against the others). Each statement commits
 * with the removal of its definition, so an interrupted restore goes on with what is left.
 */
export async function restoreIndexes(pool: Pool, schema: string, parallel = 2): Promise<void> {
  const s = quoteIdent(schema)
  const exists = await pool.query(`SELECT to_regclass($1) AS t`, [`${s}.${DEFERRED}`])
  if ((exists.rows[0] as { t: string | null }).t === null) return
  const r = await pool.query<{ ord: number; ddl: string }>(`SELECT ord, ddl FROM ${s}.${DEFERRED} ORDER BY ord`)
  const restore = async (d: { ord: number; ddl: string }) => {
    const c = await pool.connect()
    try {
      await c.query('BEGIN')
      await c.query(`SET LOCAL search_path TO ${s}, public`)
      // Index builds sort in memory when they can; the default 64 MB spills a table of millions of rows.
      await c.query(`SET LOCAL maintenance_work_mem = '256MB'`)
      await c.query(d.ddl)
      await c.query(`DELETE FROM ${s}.${DEFERRED} WHERE ord = $1`, [d.ord])
      await c.query('COMMIT')
    } catch (err) {
      await c.query('ROLLBACK').catch(() => {})
      throw err
    } finally {
      c.release()
    }
  }
  const indexes = r.rows.filter((d) => d.ddl.startsWith('CREATE '))
  // Once one fails the others finish the statement they are running and take no other: what is left
  // stays for the next restore, and nothing runs on after this one has reported.
  let next = 0
  let failed = false
  const workers = await Promise.allSettled(
    Array.from({ length: Math.min(parallel, indexes.length) }, async () => {
      while (!failed && next < indexes.length)
        await restore(indexes[next++]!).catch((err: unknown) => {
          failed = true
          throw err
        })
    }),
  )
  const failure = workers.find((w) => w.status === 'rejected')
  if (failure) throw failure.reason
  for (const d of r.rows.filter((x) => !x.ddl.startsWith('CREATE '))) await restore(d)
  await pool.query(`DROP TABLE ${s}.${DEFERRED}`)
}
