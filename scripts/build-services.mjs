// Bundles each Node service's TypeScript (its own source and the workspace packages it imports) into
// one ES module, `.zixly/build/<service>/main.mjs`, so services run on plain `node` instead of
// `node --import tsx`: tsx costs every process ~50 MB of RSS (its loader, the TypeScript it compiles
// on the fly and a long-lived esbuild service process) and most of the cold start. npm packages stay
// external, imported from the absolute path Node itself would resolve them to from the importing
// source file, so pnpm's per-package node_modules keep working and nothing in node_modules is bundled.
// `import.meta.url` in every bundled file is replaced by that source file's own URL, so the code that
// finds files next to its source (migrations, bundled prices, the engine's worker) finds them as before.
//
// Building takes ~1 s for all services, so start.mjs (and the benches) build on every start: a bundle
// can never be older than the source. `node scripts/build-services.mjs [service…]` builds by hand.
import { createRequire } from 'node:module'
import { mkdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
export const BUILD_DIR = join(root, '.zixly', 'build')

/** The bundle of a service, e.g. `bundlePath('ingest')`. */
export const bundlePath = (service) => join(BUILD_DIR, service, 'main.mjs')

/**
 * V8 options a service runs with, wherever it runs (npm start, the benches, docker-compose sets the
 * same in NODE_OPTIONS). Ingest's young generation is capped at 4 MB per semi-space: its start-up
 * grows the default 16 MB ones to their limit, and they stayed committed at idle (ingest idled at
 * 115–124 MB RSS, 32 MB of it an empty new space; 80–87 MB with the cap). A request's garbage dies
 * young, so the smaller space costs little (BENCHMARKS.md → Footprint, Ingest).
 */
export const SERVICE_NODE_OPTIONS = { ingest: '--max-semi-space-size=4' }

/** The environment `service` runs with on top of its caller's: NODE_OPTIONS, the caller's followed by the service's own (none when it has none). */
export function nodeOptionsEnv(service, inherited) {
  const own = SERVICE_NODE_OPTIONS[service]
  return own ? { NODE_OPTIONS: [inherited, own].filter(Boolean).join(' ') } : {}
}

/** esbuild is a dependency of @zixly/engine (it bundles the engine's worker), not of the root. */
function loadEsbuild() {
  return createRequire(join(root, 'packages', 'engine', 'package.json'))('esbuild')
}

const isBare = (p) => !p.startsWith('.') && !p.startsWith('/') && !p.startsWith('node:') && !/^[a-zA-Z]:[\\/]/.test(p)

/** npm packages external at their resolved absolute path; workspace packages (@zixly/*) bundled. */
const externalPackages = {
  name: 'external-packages',
  setup(build) {
    build.onResolve({ filter: /.*/ }, async (args) => {
      if (args.pluginData?.fromPlugin || !isBare(args.path) || args.path.startsWith('@zixly/')) return undefined
      const r = await build.resolve(args.path, {
        kind: args.kind,
        resolveDir: args.resolveDir,
        importer: args.importer,
        pluginData: { fromPlugin: true },
      })
      if (r.errors.length > 0) return { errors: r.errors }
      // A builtin without `node:` (e.g. 'fs') resolves to itself and is external already.
      if (r.external || !r.path.startsWith('/')) return { path: args.path, external: true }
      return { path: r.path, external: true }
    })
  },
}

/** `import.meta.url` → the source file's own URL (the bundle lives elsewhere). */
const sourceUrls = {
  name: 'source-urls',
  setup(build) {
    build.onLoad({ filter: /\.(ts|mts|js|mjs)$/ }, (args) => {
      if (args.path.includes('/node_modules/')) return undefined
      const text = readFileSync(args.path, 'utf8')
      if (!text.includes('import.meta.url')) return undefined
      const loader = /\.m?ts$/.test(args.path) ? 'ts' : 'js'
      return { contents: text.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)), loader }
    })
  },
}

const OPTIONS = {
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Node's own resolution: no `module` condition or field.
  conditions: [],
  mainFields: ['main'],
  // Keep names: stack traces, `err.name` and logged class names read as in the source.
  keepNames: true,
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'silent',
  plugins: [externalPackages, sourceUrls],
}

/** Bundles one TypeScript entry file (any program of the workspace, e.g. a bench's child) into `outfile`. */
export async function bundleEntry(entry, outfile) {
  await loadEsbuild().build({ ...OPTIONS, entryPoints: [entry], outfile })
  return outfile
}

/**
 * Builds the bundles of `services` (names of folders under services/) in one esbuild run; returns
 * their paths by name (`<outdir>/<service>/main.mjs`). Throws with esbuild's messages when the source does not compile.
 */
export async function buildServices(services, outdir = BUILD_DIR) {
  const esbuild = loadEsbuild()
  mkdirSync(outdir, { recursive: true })
  const entryPoints = Object.fromEntries(services.map((s) => [`${s}/main`, join(root, 'services', s, 'src', 'main.ts')]))
  await esbuild.build({
    entryPoints,
    outdir,
    outExtension: { '.js': '.mjs' },
    ...OPTIONS,
  })
  return Object.fromEntries(services.map((s) => [s, join(outdir, s, 'main.mjs')]))
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const names = process.argv.slice(2)
  const list = names.length > 0 ? names : ['projector', 'orchestrator', 'executor', 'notifier', 'trading-api', 'ingest']
  const t0 = Date.now()
  const out = await buildServices(list)
  for (const [name, path] of Object.entries(out)) console.log(`${name}: ${path}`)
  console.log(`built in ${Date.now() - t0} ms`)
}
