import adapter from '@sveltejs/adapter-node'
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte'

/** @type {import('@sveltejs/kit').Config} */
export default {
  preprocess: vitePreprocess(),
  kit: {
    // `node build` serves the app; `@zixly/*` stay external and run from source through tsx (see vite.config.ts).
    adapter: adapter({ out: 'build', precompress: false, envPrefix: '' }),
    // The session cookie is SameSite=Strict and every mutation is a same-origin form action; Kit's
    // origin check stays on as a second line against CSRF.
    csrf: { trustedOrigins: [] },
    alias: { $server: 'src/lib/server' },
  },
}
