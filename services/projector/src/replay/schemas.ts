import { quoteIdent, type PoolClient } from '@zixly/platform'
import { DEFERRED } from './bulk.ts'

// Catalog work of a rebuild: which tables a swap must carry over from the serving schema, copying
// them, and repointing functions that pinned the build schema's name.

/** Tables of a schema that are neither read models nor bookkeeping: a rebuild carries them over. */
export async function carriedTables(c: PoolClient, schema: string, owned: readonly string[]): Promise<string[]> {
  const r = await c.query<{ name: string }>(`SELECT tablename AS name FROM pg_tables WHERE schemaname = $1 ORDER BY tablename`, [schema])
  const skip = new Set([...owned, 'schema_migrations', 'projection_checkpoints', DEFERRED])
  const tables = r.rows.map((x) => x.name).filter((t) => !skip.has(t))
  // Referenced tables first, so foreign keys hold while copying.
  const fks = await c.query<{ child: string; parent: string }>(
    `SELECT cl.relname AS child, pr.relname AS parent FROM pg_constraint k
     JOIN pg_class cl ON cl.oid = k.conrelid JOIN pg_class pr ON pr.oid = k.confrelid
     JOIN pg_namespace n ON n.oid = cl.relnamespace WHERE k.contype = 'f' AND n.nspname = $1 AND cl.relname <> pr.relname`,
    [schema],
  )
  const ordered: string[] = []
  const visit = (t: string, seen: Set<string>) => {
    if (ordered.includes(t) || seen.has(t)) return
    seen.add(t)
    for (const fk of fks.rows) if (fk.child === t && tables.includes(fk.parent)) visit(fk.parent, seen)
    ordered.push(t)
  }
  for (const t of tables) visit(t, new Set())
  return ordered
}

/**
 * Copies rows of `table` from `from` into `to`, replacing rows with the same primary key: rows the
 * rebuild made itself (a tenant first seen in the log) stay, the serving schema's version wins.
 */
export async function copyTable(c: PoolClient, from: string, to: string, table: string): Promise<void> {
  const cols = await c.query<{ name: string }>(
    `SELECT a.attname AS name FROM pg_attribute a WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped
       AND a.attgenerated = '' AND a.attname IN (SELECT attname FROM pg_attribute WHERE attrelid = $2::regclass AND attnum > 0 AND NOT attisdropped)
     ORDER BY a.attnum`,
    [`${quoteIdent(from)}.${quoteIdent(table)}`, `${quoteIdent(to)}.${quoteIdent(table)}`],
  )
  const pk = await c.query<{ name: string }>(
    `SELECT a.attname AS name FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
     WHERE i.indrelid = $1::regclass AND i.indisprimary`,
    [`${quoteIdent(to)}.${quoteIdent(table)}`],
  )
  const list = cols.rows.map((x) => quoteIdent(x.name)).join(', ')
  const keys = pk.rows.map((x) => x.name)
  const rest = cols.rows.filter((x) => !keys.includes(x.name)).map((x) => `${quoteIdent(x.name)} = EXCLUDED.${quoteIdent(x.name)}`)
  const conflict = keys.length === 0 ? '' : rest.length === 0 ? ` ON CONFLICT DO NOTHING` : ` ON CONFLICT (${keys.map(quoteIdent).join(', ')}) DO UPDATE SET ${rest.join(', ')}`
  await c.query(
    `INSERT INTO ${quoteIdent(to)}.${quoteIdent(table)} (${list}) OVERRIDING SYSTEM VALUE SELECT ${list} FROM ${quoteIdent(from)}.${quoteIdent(table)}${conflict}`,
  )
}

/** Sets every sequence of `to` to where the same-named sequence of `from` is. */
export async function copySequences(c: PoolClient, from: string, to: string): Promise<void> {
  const r = await c.query<{ name: string; last: string | null }>(
    `SELECT f.sequencename AS name, f.last_value::text AS last FROM pg_sequences f
     JOIN pg_sequences t ON t.sequencename = f.sequencename AND t.schemaname = $2 WHERE f.schemaname = $1`,
    [from, to],
  )
  for (const s of r.rows)
    if (s.last !== null) await c.query(`SELECT setval($1::regclass, $2::bigint)`, [`${quoteIdent(to)}.${quoteIdent(s.name)}`, s.last])
}

/** Functions that pinned their search_path at creation name the build schema: point them at `schema`. */
export async function repointFunctions(c: PoolClient, schema: string): Promise<void> {
  const r = await c.query<{ sig: string }>(
    `SELECT p.oid::regprocedure::text AS sig FROM pg_proc p WHERE p.pronamespace = $1::regnamespace
       AND array_to_string(p.proconfig, ',') LIKE '%search_path=%'`,
    [schema],
  )
  for (const f of r.rows) await c.query(`ALTER FUNCTION ${f.sig} SET search_path TO ${quoteIdent(schema)}, public`)
}

export async function schemaExists(c: { query: PoolClient['query'] }, schema: string): Promise<boolean> {
  return (await c.query(`SELECT 1 FROM pg_namespace WHERE nspname = $1`, [schema])).rows.length > 0
}
