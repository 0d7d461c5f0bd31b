import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, totalmem } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repository root (bench/lib/../..). */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
/** Where every benchmark writes its JSON (git-ignored). */
export const RESULTS_DIR = join(ROOT, 'bench', 'results')

/** What the figures were measured on: they mean nothing without it. */
export function machineInfo() {
  const c = cpus()
  return {
    cpu: c[0]?.model ?? 'unknown',
    cores: c.length,
    memory_gb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    load_average: loadavg().map((l) => Number(l.toFixed(2))),
  }
}

/** Writes `bench/results/<name>-<timestamp>.json` and `<name>-latest.json`; returns the first path. */
const startedLoad = loadavg().map((l) => Number(l.toFixed(2)))

export function writeResults(name: string, payload: Record<string, unknown>): string {
  mkdirSync(RESULTS_DIR, { recursive: true })
  const at = new Date().toISOString()
  const body = JSON.stringify({ benchmark: name, at, machine: { ...machineInfo(), load_average_at_start: startedLoad }, ...payload }, null, 2)
  const path = join(RESULTS_DIR, `${name}-${at.replace(/[:.]/g, '-')}.json`)
  writeFileSync(path, body)
  writeFileSync(join(RESULTS_DIR, `${name}-latest.json`), body)
  return path
}

/** A positive integer from the environment, or the default. */
export function envInt(name: string, dflt: number): number {
  const v = process.env[name]
  if (v === undefined || v === '') return dflt
  const n = Number(v)
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${v}"`)
  return n
}

/** Logs a progress line to stderr (stdout keeps the tables). */
export function note(line: string): void {
  process.stderr.write(`[bench] ${line}\n`)
}
