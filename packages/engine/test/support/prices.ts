import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

// The bundled data pack ships into the workspace (data/prices); fall back to the shared copy.
const DIRS = ['/work/main/data/prices', '/work/shared/data/prices']

export const DAILY_TICKERS = ['AAPL', 'BTC-USD', 'ETH-USD', 'EURUSD', 'GLD', 'MSFT', 'SPY'] as const

/** Close column of `<name>.csv` (header Date,Open,High,Low,Close,Adj Close,Volume). */
export function loadCloses(name: string): Float64Array {
  const dir = DIRS.find((d) => existsSync(join(d, `${name}.csv`)))
  if (dir === undefined) throw new Error(`no price file for ${name} in ${DIRS.join(', ')}`)
  const lines = readFileSync(join(dir, `${name}.csv`), 'utf8').trim().split(/\r?\n/)
  const header = lines[0]!.split(',')
  const col = header.indexOf('Close')
  if (col < 0) throw new Error(`${name}.csv has no Close column`)
  return Float64Array.from(lines.slice(1), (line) => Number(line.split(',')[col]))
}
