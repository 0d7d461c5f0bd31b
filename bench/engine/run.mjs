// `node bench/engine/run.mjs`: registers tsx (the engine's own dependency) and runs run.ts.
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'

const require = createRequire(new URL('../../packages/engine/package.json', import.meta.url))
const { register } = await import(pathToFileURL(require.resolve('tsx/esm/api')).href)
register()
await import('./run.ts')
