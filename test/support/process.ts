import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../..', import.meta.url))

export interface ServiceProcess {
  readonly proc: ChildProcess
  /** Everything the service wrote, stdout and stderr. */
  output(): string
  /** Resolves with the exit code (or signal) once the process ends. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  kill(signal?: NodeJS.Signals): void
}

/**
 * Starts `services/<name>` as its own process (as `npm start` does) and resolves once it logs
 * "<name> ready". Health ports default to 0 (any free port) so tests never collide.
 */
export async function spawnService(name: string, env: Record<string, string>, timeoutMs = 30_000): Promise<ServiceProcess> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: `${root}services/${name}`,
    env: {
      ...process.env,
      ORCHESTRATOR_PORT: '0',
      EXECUTOR_PORT: '0',
      PROJECTOR_PORT: '0',
      NOTIFIER_PORT: '0',
      PORT: '0',
      ...env,
      // Readiness is read from the "ready" line, which is logged at info level.
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  proc.stdout.on('data', (c: Buffer) => (out += c.toString()))
  proc.stderr.on('data', (c: Buffer) => (out += c.toString()))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => resolve({ code, signal })),
  )
  const ready = `"msg":"${name} ready"`
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${name} not ready within ${timeoutMs} ms:\n${out}`)), timeoutMs)
    const check = () => {
      if (out.includes(ready)) {
        clearTimeout(t)
        proc.stdout.off('data', check)
        resolve()
      }
    }
    proc.stdout.on('data', check)
    void exited.then(({ code, signal }) => {
      clearTimeout(t)
      reject(new Error(`${name} exited (${signal ?? code}) before it was ready:\n${out}`))
    })
  })
  return { proc, output: () => out, exited, kill: (signal = 'SIGTERM') => void proc.kill(signal) }
}
