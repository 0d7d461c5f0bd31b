import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repository root and infra/ folder, wherever the tests run from. */
export const INFRA = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
export const ROOT = join(INFRA, '..')

export function which(cmd: string): string | null {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' })
  return r.status === 0 ? r.stdout.trim() : null
}

export interface RunResult {
  status: number | null
  output: string
}

export function run(cmd: string, args: string[], opts: { cwd?: string; timeoutMs?: number } = {}): RunResult {
  const r = spawnSync(cmd, args, {
    cwd: opts.cwd ?? ROOT,
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 60_000,
  })
  return { status: r.status, output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` }
}

function prometheusServerPids(): string[] {
  const r = spawnSync('pgrep', ['-x', 'prometheus'], { encoding: 'utf8' })
  return r.status === 0 ? r.stdout.trim().split('\n') : []
}

/**
 * promtool, installed from Debian's `prometheus` package when missing (CI starts on a fresh machine).
 * The package's init script would start a Prometheus server: a policy-rc.d that refuses every start is put
 * in place for the install, and a server that starts anyway is stopped again. Throws with what to do
 * when promtool cannot be had — nothing is skipped.
 */
export function ensurePromtool(log: (line: string) => void = console.log): string {
  const found = which('promtool')
  if (found) return found
  if (process.getuid?.() !== 0) {
    throw new Error(
      'promtool is missing and this user cannot install it: run `apt-get install -y prometheus` as root',
    )
  }
  log('[infra-test] promtool missing: installing Debian package prometheus')
  const policy = '/usr/sbin/policy-rc.d'
  const ownPolicy = !existsSync(policy)
  const before = new Set(prometheusServerPids())
  if (ownPolicy)
    writeFileSync(
      policy,
      '#!/bin/sh\n# zixly infra test: no service starts during apt-get install\nexit 101\n',
      { mode: 0o755 },
    )
  try {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
    execFileSync('apt-get', ['-o', 'DPkg::Lock::Timeout=600', 'update', '-qq'], { stdio: 'ignore', env, timeout: 300_000 })
    execFileSync('apt-get', ['-o', 'DPkg::Lock::Timeout=600', 'install', '-y', '-qq', '--no-install-recommends', 'prometheus'], {
      stdio: 'ignore',
      env,
      timeout: 300_000,
    })
  } catch (err) {
    throw new Error(
      `could not install promtool (apt-get install prometheus): ${(err as Error).message.split('\n')[0]}`,
    )
  } finally {
    if (ownPolicy) rmSync(policy, { force: true })
    const started = prometheusServerPids().filter((pid) => !before.has(pid))
    if (started.length > 0) {
      spawnSync('sh', ['-c', 'service prometheus stop || /etc/init.d/prometheus stop'], { stdio: 'ignore' })
      for (const pid of prometheusServerPids().filter((p) => !before.has(p))) spawnSync('kill', [pid])
    }
  }
  const installed = which('promtool')
  if (!installed) throw new Error('apt-get installed prometheus but promtool is still not on PATH')
  return installed
}
