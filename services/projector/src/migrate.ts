import { fileURLToPath } from 'node:url'
import { migrate, type Pool } from '@zixly/platform'

/** Folder of the versioned read-model migrations. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations', import.meta.url))

/** Applies every pending migration to `schema`. */
export function migrateReadModels(pool: Pool, schema: string): Promise<string[]> {
  return migrate(pool, MIGRATIONS_DIR, schema)
}
