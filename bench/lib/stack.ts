import { spawn, type ChildProcess } from 'node:child_process'
import { rmSync } from 'node:fs'
import { basename, join } from 'node:path'
import { bundleEntry, nodeOptionsEnv } from '../../scripts/build-services.mjs'
import { onInterrupt } from './cleanup.ts'
import { ROOT } from './output.ts'
import { freePort } from '../../test/support/net.ts'

/** A service (or any node program of ours) running as its own process. */
export interface Child {
  readonly name: string
  readonly proc: ChildProcess
  readonly pid: number
  /** The last few KB the process wrote (for error messages). */
  tail(): string
  stop(): Promise<void>
}

export { freePort }

/** `tsx` (BENCH_RUNTIME=tsx): run TypeScript through tsx, as `npm start` did before it bundled. */
export const RUNTIME = process.env.BENCH_RUNTIME === 'tsx' ? 'tsx' : 'bundle'
const BUILD_DIR = join(ROOT, '.zixly', 'build', `bench-${process.pid}`)
process.once('exit', () => rmSync(BUILD_DIR, { recursive: true, force: true }))

/**
 * Starts `<entry>` in `cwd` as `npm start` runs each service — plain `node` on an esbuild bundle of
 * the entry (scripts/build-services.mjs; every side of every bench, baselines too, runs this way),
 * or `node --import tsx <entry>` with BENCH_RUNTIME=tsx — and resolves once it prints `readyText`.
 * Output is kept only as a short tail so a long run costs no memory.
 */
export async function startChild(
  name: string,
  opts: { cwd: string; entry: string; env: Record<string, string>; readyText: string; timeoutMs?: number },
): Promise<Child> {
  // BENCH_CPU_PROF=<dir>: each process writes a V8 CPU profile there when it exits (for finding costs).
  const prof = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${join(process.env.BENCH_CPU_PROF, name)}`] : []
  const program =
    RUNTIME === 'tsx'
      ? ['--import', 'tsx', opts.entry]
      : [await bundleEntry(join(opts.cwd, opts.entry), join(BUILD_DIR, `${name}-${basename(opts.entry).replace(/\.ts$/, '')}.mjs`))]
  const proc = spawn(process.execPath, [...prof, ...program], {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let ready = false
  const keep = (c: Buffer) => {
    out = (out + c.toString()).slice(-8192)
  }
  proc.stdout.on('data', keep)
  proc.stderr.on('data', keep)
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()))
  const stop = async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return
    proc.kill('SIGTERM')
    const killer = setTimeout(() => proc.kill('SIGKILL'), 15_000)
    await exited
    clearTimeout(killer)
  }
  const forget = onInterrupt(stop)
  const readiness = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} not ready within ${opts.timeoutMs ?? 120_000} ms:\n${out}`)), opts.timeoutMs ?? 120_000)
    const check = () => {
      if (!ready && out.includes(opts.readyText)) {
        ready = true
        clearTimeout(timer)
        resolve()
      }
    }
    proc.stdout.on('data', check)
    void exited.then(() => {
      clearTimeout(timer)
      if (!ready) reject(new Error(`${name} exited before it was ready:\n${out}`))
    })
  })
  try {
    await readiness
  } catch (err) {
    forget()
    await stop()
    throw err
  }
  return {
    name,
    proc,
    pid: proc.pid ?? 0,
    tail: () => out,
    async stop() {
      forget()
      await stop()
    },
  }
}

/** The backend services in `npm start` order (the web dashboard and the bundled Trading API are not on the job path). */
export const PIPELINE_SERVICES = ['projector', 'orchestrator', 'executor', 'notifier', 'ingest'] as const

export interface Stack {
  readonly ingestUrl: string
  readonly children: readonly Child[]
  stop(): Promise<void>
}

/**
 * Starts the pipeline services as child processes in an isolated world (its env), each at its
 * default settings unless `env` says otherwise, and waits for each "<name> ready" line.
 */
export async function startStack(worldEnv: Record<string, string>, env: Record<string, string> = {}): Promise<Stack> {
  const port = await freePort()
  const common = {
    ...worldEnv,
    ORCHESTRATOR_PORT: '0',
    EXECUTOR_PORT: '0',
    PROJECTOR_PORT: '0',
    NOTIFIER_PORT: '0',
    // Info, as `npm start` runs them: the "ready" line is an info line.
    LOG_LEVEL: 'info',
    ...env,
  }
  const children: Child[] = []
  try {
    for (const name of PIPELINE_SERVICES) {
      children.push(
        await startChild(name, {
          cwd: join(ROOT, 'services', name),
          entry: 'src/main.ts',
          env: { ...common, PORT: name === 'ingest' ? String(port) : '0', ...nodeOptionsEnv(name, process.env.NODE_OPTIONS) },
          readyText: `"msg":"${name} ready"`,
        }),
      )
    }
  } catch (err) {
    await Promise.all(children.map((c) => c.stop()))
    throw err
  }
  return {
    ingestUrl: `http://127.0.0.1:${port}`,
    children,
    async stop() {
      if (process.env.BENCH_DEBUG) for (const c of children) process.stderr.write(`--- ${c.name}\n${c.tail()}\n`)
      // Ingest first (no new work), then the rest together.
      const ingest = children.find((c) => c.name === 'ingest')
      await ingest?.stop()
      await Promise.all(children.filter((c) => c !== ingest).map((c) => c.stop()))
    },
  }
}
