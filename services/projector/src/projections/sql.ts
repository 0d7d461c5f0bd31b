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
const BARE = /^[\w:.+-]+$/
const CHUNK = 256

/** How a column's values are written into an array literal. */
type Kind = 'bare' | 'quoted' | 'json'

/**
 * Numbers, uuids and ISO timestamps (all validated at the boundary) never hold a character that is
 * special in an array literal, so they go in bare: fewer strings to build and to parse. Text is quoted
 * and escaped. A JSON column is not an array literal at all (its every quote would need escaping) but
 * one JSON array per statement, indexed by the row's ordinality.
 */
const kindOf = (type: string): Kind => (type === 'jsonb' ? 'json' : type === 'text' ? 'quoted' : 'bare')

function quote(s: string): string {
  return ESCAPE.test(s) ? `"${s.replace(ESCAPE_ALL, '\\$&')}"` : `"${s}"`
}

/** One array-literal element; SQL NULL for null and undefined. */
function element(v: unknown, kind: Exclude<Kind, 'json'>): string {
  if (v === null || v === undefined) return 'NULL'
  if (typeof v === 'number') return kind === 'bare' ? String(v) : `"${v}"`
  const s = typeof v === 'string' ? v : JSON.stringify(v)
  // A string in a bare column is still checked: anything but a token of word characters is quoted.
  return kind === 'bare' && BARE.test(s) ? s : quote(s)
}

/**
 * Rows collected column by column; `insert` turns them into one statement. A `jsonb` column takes
 * any JSON value (null is SQL NULL, as `jsonb_populate_recordset` made it); the others take strings
 * and numbers in their text form (what the column's input function parses, exactly as from JSON).
 * Cells are joined into one flat string per column every CHUNK rows: a batch of 10,000 events makes
 * over half a million cells, and keeping them all alive until the statement is built made the garbage
 * collector the largest cost of a rebuild (they outlived the young generation).
 */
export class ColumnRows {
  private readonly names: readonly string[]
  private readonly kinds: readonly Kind[]
  private readonly cells: string[][]
  private readonly chunks: string[][]
  private readonly json: unknown[][]
  size = 0

  constructor(private readonly types: ColumnTypes) {
    this.names = Object.keys(types)
    this.kinds = this.names.map((n) => kindOf(types[n]!))
    this.cells = this.names.map(() => [])
    this.chunks = this.names.map(() => [])
    this.json = this.names.map(() => [])
  }

  /** Adds a row given in column order. */
  push(values: readonly unknown[]): void {
    for (let i = 0; i < this.names.length; i++) {
      const kind = this.kinds[i]!
      if (kind === 'json') this.json[i]!.push(values[i] ?? null)
      else this.cells[i]!.push(element(values[i], kind))
    }
    if (++this.size % CHUNK === 0) this.flush()
  }

  private flush(): void {
    for (let i = 0; i < this.names.length; i++) {
      const cells = this.cells[i]!
      if (cells.length === 0) continue
      this.chunks[i]!.push(cells.join(','))
      this.cells[i] = []
    }
  }

  /** Adds a row given as an object keyed by column (a missing key is NULL). */
  pushRow(row: Readonly<Record<string, unknown>>): void {
    this.push(this.names.map((n) => row[n]))
  }

  /** `INSERT INTO table (…) SELECT … FROM unnest(…) WITH ORDINALITY <tail>`; `tail` is the ON CONFLICT clause. */
  insert(table: string, tail: string): Statement {
    this.flush()
    const arrays: string[] = []
    const select: string[] = []
    const values: string[] = []
    this.names.forEach((n, i) => {
      values.push(this.kinds[i] === 'json' ? JSON.stringify(this.json[i]) : `{${this.chunks[i]!.join(',')}}`)
      if (this.kinds[i] === 'json') select.push(`NULLIF($${i + 1}::jsonb -> (ord - 1)::int, 'null'::jsonb)`)
      else {
        arrays.push(`$${i + 1}::${this.types[n]!}[]`)
        select.push(`u${i}`)
      }
    })
    const aliases = this.names.flatMap((_, i) => (this.kinds[i] === 'json' ? [] : [`u${i}`]))
    return {
      text: `INSERT INTO ${table} (${this.names.join(', ')}) SELECT ${select.join(', ')}
             FROM unnest(${arrays.join(', ')}) WITH ORDINALITY AS u(${[...aliases, 'ord'].join(', ')}) ${tail}`,
      values,
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
