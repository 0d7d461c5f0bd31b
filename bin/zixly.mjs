#!/usr/bin/env node
// `npx zixly …` from the repository root: runs the CLI from source with tsx (no build step).
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

const main = fileURLToPath(new URL('../packages/cli/src/main.ts', import.meta.url))
const require = createRequire(import.meta.url)
const tsx = require.resolve('tsx')
const r = spawnSync(process.execPath, ['--import', tsx, main, ...process.argv.slice(2)], { stdio: 'inherit' })
process.exit(r.status ?? 1)
