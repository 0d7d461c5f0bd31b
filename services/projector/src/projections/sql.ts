import type { Statement } from './types.ts'

// Set-based writes as `INSERT … SELECT * FROM unnest($1::t1[], $2::t2[], …)`: one array parameter per
// column, whatever the number of rows. Profiling a rebuild showed the earlier form — one JSON
// document per batch expanded by `jsonb_to_recordset` — spending most of the batch in building and
// parsing that document; typed arrays are parsed by each column's input function, as COPY does, and
// are built here without a JSON round trip. Pure.

/** A column and its Postgres type (the array parameter is cast to `type[]`). */
export type ColumnTypes = Readonly<Record<string, string>>

const ESCAPE = /[\\"]/
const ESCAPE_ALL = /[\\"]/g

/** One array-literal element: quoted, with `\` and `"` escaped; SQL NULL for null and undefined. */
function element(v: unknown, json: boolean): string {
  if (v === null || v === undefined) return 'NULL'
  // A non-JSON column holds a string or a number (a number's shortest text round-trips exactly).
  const s = json ? JSON.stringify(v) : typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v)
  return ESCAPE.test(s) ? `"${s.replace(ESCAPE_ALL, '\\$&')}"` : `"${s}"`
}

/**
 * Rows collected column by column; `insert` turns them into one statement. A `jsonb` column takes
 * any JSON value (null is SQL NULL, as `jsonb_populate_recordset` made it); the others take strings
 * and numbers in their text form (what the column's input function parses, exactly as from JSON).
 */
export class ColumnRows {
  private readonly names: readonly string[]
  private readonly json: readonly boolean[]
  private readonly cells: string[][]
  size = 0

  constructor(private readonly types: ColumnTypes) {
    this.names = Object.keys(types)
    this.json = this.names.map((n) => types[n] === 'jsonb')
    this.cells = this.names.map(() => [])
  }

  /** Adds a row given in column order. */
  push(values: readonly unknown[]): void {
    for (let i = 0; i < this.names.length; i++) this.cells[i]!.push(element(values[i], this.json[i]!))
    this.size++
  }

  /** Adds a row given as an object keyed by column (a missing key is NULL). */
  pushRow(row: Readonly<Record<string, unknown>>): void {
    this.push(this.names.map((n) => row[n]))
  }

  /** `INSERT INTO table (…) SELECT * FROM unnest(…) <tail>`; `tail` is the ON CONFLICT clause. */
  insert(table: string, tail: string): Statement {
    const cols = this.names.join(', ')
    const arrays = this.names.map((n, i) => `$${i + 1}::${this.types[n]!}[]`).join(', ')
    return {
      text: `INSERT INTO ${table} (${cols}) SELECT * FROM unnest(${arrays}) ${tail}`,
      values: this.cells.map((c) => `{${c.join(',')}}`),
    }
  }
}

/** `ON CONFLICT (key) DO UPDATE SET c = EXCLUDED.c, …` for every column not in the key. */
export function updateOnConflict(key: readonly string[], types: ColumnTypes): string {
  const set = Object.keys(types)
    .filter((c) => !key.includes(c))
    .map((c) => `${c} = EXCLUDED.${c}`)
  return `ON CONFLICT (${key.join(', ')}) DO UPDATE SET ${set.join(', ')}`
}
