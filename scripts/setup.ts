// One-time setup before the services start: JetStream streams and consumers, read-model migrations.
// Each service also ensures what it needs on start; this makes `npm start` fail early and clearly.
import { names } from '@zixly/contracts'
import { BaseConfig, connectNats, connectPg, ensureJetStream, loadConfig, runMain } from '@zixly/platform'
import { migrateReadModels } from '@zixly/projector'

runMain('setup', async () => {
  const config = loadConfig(BaseConfig)
  const n = names(config.ZIXLY_NAMESPACE)
  const nc = await connectNats(config.NATS_URL, 'setup')
  await ensureJetStream(nc, n)
  await nc.drain()
  const pool = await connectPg(config.DATABASE_URL, config.PG_SCHEMA, { name: 'setup' })
  const applied = await migrateReadModels(pool, config.PG_SCHEMA)
  await pool.end()
  console.log(
    `[zixly] streams ${n.eventsStream} and ${n.commandsStream} ready; schema "${config.PG_SCHEMA}" migrated (${applied.length} new migration${applied.length === 1 ? '' : 's'})`,
  )
})
