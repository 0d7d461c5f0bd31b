// Types of scripts/infra.mjs for the TypeScript that imports it (test/support/global-setup.ts).
export function answers(target: { host: string; port: number }, timeoutMs?: number): Promise<boolean>
export function ensureInfrastructure(opts?: {
  log?: (line: string) => void
  env?: Record<string, string | undefined>
}): Promise<void>
