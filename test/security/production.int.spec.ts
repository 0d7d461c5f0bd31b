// Attack table, row 6: in production there is no default secret. Ingest started with NODE_ENV=production
// and a missing or weak secret exits with code 1 and one clear line naming it — before it connects
// to anything.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import { infraUrls } from '../support/env.ts'

const ingestDir = fileURLToPath(new URL('../../services/ingest', import.meta.url))

function start(extra: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const env: Record<string, string> = {}
  // Only what a bare production host would have: no secrets inherited from this test's environment.
  for (const k of ['PATH', 'HOME', 'LANG']) if (process.env[k] !== undefined) env[k] = process.env[k]!
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ingestDir,
    env: { ...env, ...infraUrls(), NODE_ENV: 'production', PORT: '0', ...extra },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (c: Buffer) => (output += c.toString()))
  child.stderr.on('data', (c: Buffer) => (output += c.toString()))
  const timer = setTimeout(() => child.kill('SIGKILL'), 50_000)
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(timer)
      resolve({ code, output })
    }),
  )
}

type Run = ReturnType<typeof start>
let runs: { missing: Run; dflt: Run }
// The two starts run side by side: each costs a TypeScript load, not a connection. (Every weak-secret
// rule is unit-tested in packages/auth/test/secrets.unit.spec.ts; here the real process proves the wiring.)
beforeAll(() => {
  runs = {
    missing: start({}),
    dflt: start({ CALLBACK_SECRET: 'zixly-development-callback-secret' }),
  }
})

describe('starting ingest in production', () => {
  it('without CALLBACK_SECRET: exits 1 with one line naming it', async () => {
    const { code, output } = await runs.missing
    expect(code).toBe(1)
    expect(output.trim().split('\n')).toEqual(['ingest: invalid configuration: CALLBACK_SECRET is required in production (no default secret there)'])
  })
  it('with the development default as CALLBACK_SECRET: exits 1 with one line', async () => {
    const { code, output } = await runs.dflt
    expect(code).toBe(1)
    expect(output.trim().split('\n')).toEqual(['ingest: invalid configuration: CALLBACK_SECRET is not random enough (use e.g. `openssl rand -base64 32`)'])
  })
})
