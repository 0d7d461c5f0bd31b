// Plain-text tables for the terminal (and for pasting into BENCHMARKS.md as Markdown).

export type Cell = string | number | null | undefined

function show(c: Cell): string {
  if (c === null || c === undefined) return '—'
  if (typeof c === 'number') {
    if (!Number.isFinite(c)) return String(c)
    if (Number.isInteger(c)) return c.toLocaleString('en-US')
    return Math.abs(c) >= 100 ? c.toFixed(0) : Math.abs(c) >= 10 ? c.toFixed(1) : c.toFixed(2)
  }
  return c
}

/** A Markdown table (also readable as is in a terminal). */
export function markdownTable(headers: readonly string[], rows: ReadonlyArray<readonly Cell[]>): string {
  const cells = rows.map((r) => r.map(show))
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)))
  const line = (r: readonly string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`
  return [line(headers), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...cells.map(line)].join('\n')
}

export function printTable(title: string, headers: readonly string[], rows: ReadonlyArray<readonly Cell[]>): void {
  console.log(`\n${title}\n\n${markdownTable(headers, rows)}\n`)
}
