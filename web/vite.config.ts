import { sveltekit } from '@sveltejs/kit/vite'
import { defineConfig } from 'vite'

// The workspace packages are TypeScript run from source. The browser bundle compiles what it imports
// (only `@zixly/contracts`, for the trigger form's schema); the server keeps every `@zixly/*` import
// external and `node --import tsx build` loads them from source, like every other service.
const workspace = ['@zixly/contracts', '@zixly/platform', '@zixly/engine', '@zixly/market-data']

export default defineConfig({
  plugins: [sveltekit()],
  ssr: { external: [...workspace, 'nats', 'zod'] },
  build: { chunkSizeWarningLimit: 1200 },
  server: { port: 3001, strictPort: true },
})
