import { defineConfig } from 'vitest/config'

// One run covers every tier: *.unit.spec.ts (pure), *.int.spec.ts (real NATS / Postgres / Redis),
// *.e2e.spec.ts (whole stack, real browser). Each integration file isolates itself (test/support).
export default defineConfig({
  test: {
    include: ['**/*.spec.ts'],
    exclude: ['**/node_modules/**', '**/dist/**', '**/.svelte-kit/**'],
    globalSetup: ['./test/support/global-setup.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    teardownTimeout: 30_000,
  },
})
