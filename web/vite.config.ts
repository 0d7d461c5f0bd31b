import { dirname, join, sep } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { sveltekit } from '@sveltejs/kit/vite'
import { defineConfig, type Plugin } from 'vite'

// The workspace packages are TypeScript run from source. The browser bundle compiles what it imports
// (only `@zixly/contracts`, for the trigger form's schema). The server bundle inlines them too: Vite
// externalizes only JavaScript files, and these packages export .ts (which also lets the Docker image
// run `node web/build` without tsx).
const workspace = ['@zixly/contracts', '@zixly/platform', '@zixly/engine', '@zixly/market-data']
const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const packageDirs = ['packages', 'contracts', 'services'].map((d) => join(root, d) + sep)

/**
 * Inlined workspace code still finds the files next to its source (the bundled price pack, above
 * all): `import.meta.url` becomes the source file's own URL, as scripts/build-services.mjs does for
 * the services' bundles. Without it the equity curve found no prices in the built server.
 */
function sourceMetaUrl(): Plugin {
  return {
    name: 'zixly-source-import-meta-url',
    apply: 'build',
    enforce: 'pre',
    transform(code, id, opts) {
      if (!opts?.ssr || !code.includes('import.meta.url')) return undefined
      const file = id.split('?')[0]!
      if (file.includes(`${sep}node_modules${sep}`) || !packageDirs.some((d) => file.startsWith(d))) return undefined
      return { code: code.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(file).href)), map: null }
    },
  }
}

export default defineConfig({
  plugins: [sourceMetaUrl(), sveltekit()],
  ssr: { external: [...workspace, 'nats', 'zod'] },
  build: { chunkSizeWarningLimit: 1200 },
  server: { port: 3001, strictPort: true },
})
