import { createMarketData, marketDataOptions, type MarketData } from '@zixly/market-data'
import { config } from './config.ts'
import { makeIngest } from './ingest.ts'
import { makeChangeHub, type ChangeHub } from './changes.ts'
import { connectNats, createLogger, type Logger } from '@zixly/platform'
import { names } from '@zixly/contracts'

/** The server's long-lived dependencies, built once on first use (never during `vite build`). */
export interface ServerContext {
  ingest: ReturnType<typeof makeIngest>
  hub: ChangeHub
  marketData: MarketData
  logger: Logger
}

let ctx: ServerContext | undefined

export function serverContext(): ServerContext {
  if (ctx) return ctx
  const c = config()
  const logger = createLogger('web', c.LOG_LEVEL)
  const md = marketDataOptions(c)
  ctx = {
    ingest: makeIngest({ baseUrl: c.INGEST_URL.replace(/\/$/, ''), timeoutMs: c.INGEST_TIMEOUT_MS }),
    hub: makeChangeHub({ connect: () => connectNats(c.NATS_URL, 'web'), names: names(c.ZIXLY_NAMESPACE), logger }),
    marketData: createMarketData(md.source, md.deps),
    logger,
  }
  return ctx
}

/** Closes what the context opened (graceful shutdown). */
export async function closeServerContext(): Promise<void> {
  const c = ctx
  ctx = undefined
  await c?.hub.close()
}
