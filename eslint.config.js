// One ESLint config for the workspace: type-checked rules (promises must be awaited or voided), and
// the boundary rule of STYLE.md: pure cores (contracts, deciders, projections, the engine's math)
// never import Node built-ins, NATS, Postgres, Redis or fastify.
import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import globals from 'globals'

const impure = {
  patterns: [
    { group: ['node:*'], message: 'pure code takes what it needs as parameters; no Node built-ins here' },
    { group: ['nats', 'pg', 'slonik', 'ioredis', 'fastify', 'fastify-plugin', '@aws-sdk/*'], message: 'pure code does no I/O' },
    { group: ['@zixly/platform'], message: 'pure code does not depend on the plumbing package' },
  ],
}

export default tseslint.config(
  {
    ignores: ['**/node_modules/**', '**/dist/**', '**/build/**', '**/.svelte-kit/**', 'web/**', 'bench/**', '**/*.mjs', '**/*.d.mts', '**/*.js', '**/*.cjs', 'data/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['contracts/src/**/*.ts', 'services/orchestrator/src/sweep/**/*.ts', 'services/projector/src/projections/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', impure] },
  },
  {
    files: ['**/test/**/*.ts', 'test/**/*.ts', '**/*.spec.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
)
