// First run of `npm start` (after setup, before the services): the local tenant, its admin and an API
// key, written to .zixly/credentials.json (git-ignored, mode 0600) for the start banner and the user.
// Later runs change nothing; a database that lost them gets the same credentials back from the file.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { bootstrapLocal } from '@zixly/auth'
import { BaseConfig, connectPg, loadConfig, runMain } from '@zixly/platform'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const file = process.env.ZIXLY_CREDENTIALS_FILE ?? join(root, '.zixly', 'credentials.json')

runMain('bootstrap', async () => {
  const config = loadConfig(BaseConfig)
  let existing: unknown = null
  if (existsSync(file)) {
    try {
      existing = JSON.parse(readFileSync(file, 'utf8'))
    } catch {
      existing = null
    }
  }
  const pool = await connectPg(config.DATABASE_URL, config.PG_SCHEMA, { name: 'bootstrap', max: 1 })
  try {
    const { credentials, created } = await bootstrapLocal(pool, config.DEFAULT_TENANT_ID, existing)
    mkdirSync(dirname(file), { recursive: true })
    writeFileSync(file, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 })
    console.log(
      created.length > 0
        ? `[zixly] tenant "${credentials.tenant_id}": created ${created.join(', ')}; credentials in ${file}`
        : `[zixly] tenant "${credentials.tenant_id}" ready; credentials in ${file}`,
    )
  } finally {
    await pool.end()
  }
})
