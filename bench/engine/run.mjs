// `node bench/engine/run.mjs`: registers tsx (a dependency of @zixly/engine) and runs run.ts.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'

// tsx's ESM API must be loaded through its "import" export (the CommonJS one registers a URL that
// does not resolve), so read the path from tsx's package.json rather than require.resolve it.
const require = createRequire(new URL('../../packages/engine/package.json', import.meta.url))
const pkgPath = require.resolve('tsx/package.json')
const entry = JSON.parse(readFileSync(pkgPath, 'utf8')).exports['./esm/api'].import.default
const { register } = await import(pathToFileURL(join(dirname(pkgPath), entry)).href)
register()
await import('./run.ts')
