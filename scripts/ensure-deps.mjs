#!/usr/bin/env node
// Installs what a fresh clone is missing: pnpm itself, then the workspace's packages.
// Cheap when nothing changed: it compares the lockfile with the one recorded at the last install.
import { execSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { dirname, join } from 'node:path'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const wanted = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).packageManager.split('@')[1]

function run(cmd) {
  execSync(cmd, { cwd: root, stdio: 'inherit' })
}

function pnpmVersion() {
  try {
    return execSync('pnpm --version', { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim()
  } catch {
    return null
  }
}

export function ensureDeps() {
  const have = pnpmVersion()
  if (have !== wanted) {
    console.log(`[zixly] installing pnpm ${wanted} (found ${have ?? 'none'})`)
    run(`npm install -g pnpm@${wanted} --no-fund --no-audit --loglevel=error`)
  }
  const lock = join(root, 'pnpm-lock.yaml')
  const installed = join(root, 'node_modules', '.pnpm', 'lock.yaml')
  const stale =
    !existsSync(installed) || !existsSync(lock) || readFileSync(lock, 'utf8') !== readFileSync(installed, 'utf8')
  if (stale) {
    console.log('[zixly] installing workspace dependencies (pnpm install)')
    run(`pnpm install ${existsSync(lock) ? '--frozen-lockfile' : ''} --reporter=append-only`)
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) ensureDeps()
