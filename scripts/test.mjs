#!/usr/bin/env node
// `npm test`: installs what is missing, makes sure the services answer, runs every test tier with
// vitest, and ends with one line `N passed, N failed` read from vitest's JSON report.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ensureDeps } from './ensure-deps.mjs'
import { ensureInfrastructure } from './infra.mjs'
import { ensureSystemPackages } from './system-packages.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const report = join(root, '.zixly', 'test-report.json')

ensureDeps()
try {
  await ensureInfrastructure({ log: (l) => console.log(`[zixly] ${l}`) })
} catch (err) {
  console.error(`[zixly] cannot run the integration tests:\n${err.message}`)
  console.log('0 passed, 1 failed')
  process.exit(1)
}

// The browser tests' chromium, promtool, and the private Docker engine's packages (unless the tests are
// told to use the loopback services), in one apt-get run before any test file starts.
ensureSystemPackages(
  {
    chromium: 'chromium',
    promtool: 'prometheus',
    ...(process.env.ZIXLY_TEST_INFRA === 'local' || process.env.DOCKER_HOST
      ? {}
      : { dockerd: 'docker.io', 'docker-compose': 'docker-compose', debootstrap: 'debootstrap' }),
  },
  { log: (l) => console.log(`[zixly] ${l}`) },
)

// SvelteKit generates web/.svelte-kit (its tsconfig and types) on sync; a fresh clone has none yet.
if (existsSync(join(root, 'web', 'package.json'))) {
  const sync = spawnSync('pnpm', ['--filter', '@zixly/web', 'exec', 'svelte-kit', 'sync'], { cwd: root, stdio: 'inherit' })
  if (sync.status !== 0) console.error('[zixly] svelte-kit sync failed; the dashboard tests will say why')
}

mkdirSync(dirname(report), { recursive: true })
rmSync(report, { force: true })
const args = ['exec', 'vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)]
const run = spawnSync('pnpm', args, { cwd: root, stdio: 'inherit', env: { ...process.env, FORCE_COLOR: process.env.CI ? '0' : '1' } })

let passed = 0
let failed = 0
let skipped = 0
if (existsSync(report)) {
  const r = JSON.parse(readFileSync(report, 'utf8'))
  passed = r.numPassedTests
  failed = r.numFailedTests
  skipped = r.numPendingTests + (r.numTodoTests ?? 0)
  // A file that fails outside its tests (it does not load, or a beforeAll throws and its tests are
  // skipped) counts as one failure even though none of its tests failed.
  failed += r.testResults.filter(
    (f) => f.status === 'failed' && !f.assertionResults.some((a) => a.status === 'failed'),
  ).length
} else {
  failed = 1
}
const status = run.status === 0 && failed === 0 ? 0 : 1
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`)
process.exit(status)
