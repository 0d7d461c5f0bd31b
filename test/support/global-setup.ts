import { ensureInfrastructure } from '../../scripts/infra.mjs'

// Before any test file runs: make sure NATS, Postgres and Redis answer (starting them when they are
// installed but stopped). Each integration file then isolates itself with its own namespace and schema.
export default async function setup(): Promise<void> {
  await ensureInfrastructure({ log: (line: string) => console.log(`[test-infra] ${line}`) })
}
