#!/usr/bin/env node
// `pnpm start` in web/: build if the sources changed, then run the production server on plain node in
// this process's child (the server build inlines the workspace's TypeScript packages).
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { ensureBuild, webDir } from './build.mjs'

try {
  ensureBuild({ log: (l) => console.error(l) })
} catch (err) {
  console.error(err.message)
  process.exit(1)
}
const child = spawn(process.execPath, [join(webDir, 'build', 'index.js')], {
  cwd: webDir,
  stdio: 'inherit',
  env: { ...process.env, PORT: process.env.PORT ?? '3001', HOST: process.env.HOST ?? '127.0.0.1' },
})
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig))
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 0)))
