import { fileURLToPath } from 'node:url'
import { buildSync } from 'esbuild'

// Worker threads need their TypeScript entry without a build step, the same way under vitest, tsx and
// `node --import tsx`: a worker thread inherits no loader from the thread that starts it. So the entry
// and what it imports are bundled in memory by esbuild, once per process and entry, and the worker is
// started from that text (`new Worker(code, { eval: true })`): no loader in the worker, so it starts in
// ~50 ms and costs ~6 MB instead of ~350 ms and ~35 MB with tsx's off-thread loader. Its own subpath
// (`@zixly/platform/worker-bundle`) so a package can use it without loading the rest of the platform.

const bundles = new Map<string, string | null>()

/** The CommonJS bundle of `entry` (a .ts or .js file URL) and its imports, or null when esbuild cannot build it here. */
export function workerBundle(entry: URL): string | null {
  const key = entry.href
  let code = bundles.get(key)
  if (code === undefined) {
    try {
      const out = buildSync({
        entryPoints: [fileURLToPath(entry)],
        bundle: true,
        format: 'cjs',
        platform: 'node',
        target: 'node20',
        write: false,
        logLevel: 'silent',
      })
      code = out.outputFiles[0]?.text ?? null
    } catch {
      code = null
    }
    bundles.set(key, code)
  }
  return code
}
