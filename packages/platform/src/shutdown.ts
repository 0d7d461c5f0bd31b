import type { Logger } from 'pino'

type Closer = { name: string; close: () => unknown }

/**
 * Graceful shutdown: on SIGTERM / SIGINT, run closers in order (stop taking work first, then let
 * in-flight work finish, then close connections), each bounded by a timeout, then exit.
 */
export function onShutdown(logger: Logger, closers: Closer[], opts: { timeoutMs?: number; exit?: (code: number) => void } = {}) {
  const exit = opts.exit ?? ((code: number) => process.exit(code))
  let shuttingDown: Promise<void> | null = null
  const run = async (signal: string) => {
    logger.info({ signal }, 'shutting down')
    let code = 0
    for (const c of closers) {
      try {
        await withTimeout(Promise.resolve(c.close()), opts.timeoutMs ?? 25_000, c.name)
      } catch (err) {
        code = 1
        logger.error({ err, step: c.name }, 'shutdown step failed')
      }
    }
    logger.info('stopped')
    logger.flush?.()
    exit(code)
  }
  const handler = (signal: string) => {
    shuttingDown ??= run(signal)
  }
  process.once('SIGTERM', handler)
  process.once('SIGINT', handler)
  return { shutdown: (reason = 'requested') => (shuttingDown ??= run(reason)) }
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout
  return Promise.race([
    p.finally(() => clearTimeout(t)),
    new Promise<T>((_, reject) => {
      t = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms)
    }),
  ])
}
