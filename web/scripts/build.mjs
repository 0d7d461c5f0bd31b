// Builds the dashboard when its sources changed since the last build, so `npm start` and the e2e
// tests run the production server (`node build`) without rebuilding every time. The build inlines the
// workspace packages the server imports, so their sources count as well as this folder's.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const webDir = join(dirname(fileURLToPath(import.meta.url)), '..')
const stampFile = join(webDir, 'build', '.sources')
const inputs = [
  'src',
  'static',
  'svelte.config.js',
  'vite.config.ts',
  'package.json',
  '../contracts/src',
  '../packages/platform/src',
  '../packages/engine/src',
  '../packages/market-data/src',
]

function newest(path) {
  if (!existsSync(path)) return 0
  const s = statSync(path)
  if (!s.isDirectory()) return s.mtimeMs
  let max = s.mtimeMs
  for (const e of readdirSync(path)) max = Math.max(max, newest(join(path, e)))
  return max
}

/** A fingerprint of the inputs: the newest modification time among them. */
export function sourcesStamp() {
  return String(Math.max(...inputs.map((p) => newest(join(webDir, p)))))
}

export function isStale() {
  return !existsSync(join(webDir, 'build', 'index.js')) || !existsSync(stampFile) || readFileSync(stampFile, 'utf8') !== sourcesStamp()
}

const lockDir = join(webDir, '.build-lock')
const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)

/** One build at a time across processes (two test files may start at once): a lock directory. */
function withLock(fn) {
  const until = Date.now() + 15 * 60_000
  for (;;) {
    try {
      mkdirSync(lockDir)
      break
    } catch {
      // A lock left by a killed build is older than any real one.
      if (existsSync(lockDir) && Date.now() - statSync(lockDir).mtimeMs > 10 * 60_000) rmSync(lockDir, { recursive: true, force: true })
      if (Date.now() > until) throw new Error(`waited too long for ${lockDir}`)
      sleep(500)
    }
  }
  try {
    return fn()
  } finally {
    rmSync(lockDir, { recursive: true, force: true })
  }
}

/** Runs `vite build` when needed; throws with its output when the build fails. */
export function ensureBuild({ log = console.log } = {}) {
  if (!isStale()) return false
  return withLock(() => (isStale() ? build(log) : false))
}

function build(log) {
  const stamp = sourcesStamp()
  log('[web] building the dashboard (vite build)…')
  const r = spawnSync(process.execPath, [join(webDir, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], {
    cwd: webDir,
    encoding: 'utf8',
    env: { ...process.env, NODE_ENV: 'production' },
  })
  if (r.status !== 0) throw new Error(`the dashboard build failed:\n${r.stdout}\n${r.stderr}`)
  writeFileSync(stampFile, stamp)
  return true
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) ensureBuild()
