// A benchmark interrupted (Ctrl-C, a timeout's SIGTERM) still stops its processes and removes its
// streams, schema and keys: every world and child registers its undo here until it is undone.

const pending = new Set<() => Promise<void>>()
let installed = false

/** Registers an undo step; returns a function that unregisters it (call it once done normally). */
export function onInterrupt(undo: () => Promise<void>): () => void {
  if (!installed) {
    installed = true
    const run = (signal: string) => {
      process.stderr.write(`[bench] ${signal}: stopping what the run started and cleaning up\n`)
      // Children first (registered last), then the worlds they ran in.
      const steps = [...pending].reverse()
      pending.clear()
      void (async () => {
        for (const step of steps) await step().catch(() => {})
        process.exit(130)
      })()
    }
    process.once('SIGINT', () => run('SIGINT'))
    process.once('SIGTERM', () => run('SIGTERM'))
  }
  pending.add(undo)
  return () => void pending.delete(undo)
}
