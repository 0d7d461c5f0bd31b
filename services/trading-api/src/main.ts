import { SweepPool } from '@zixly/engine'
import { createMarketData, marketDataOptions } from '@zixly/market-data'
import { createLogger, loadConfig, onShutdown, runMain, startTracing } from '@zixly/platform'
import { buildApp } from './app.ts'
import type { SweepEngine } from './runner.ts'
import { TradingApiConfig } from './config.ts'

runMain('trading-api', async () => {
  const config = loadConfig(TradingApiConfig)
  const logger = createLogger('trading-api', config.LOG_LEVEL)
  // OTLP/HTTP export of this service's spans when OTEL_EXPORTER_OTLP_ENDPOINT is set.
  const tracing = startTracing('trading-api')
  const md = marketDataOptions(config)
  const marketData = createMarketData(md.source, md.deps)
  await marketData.listTickers() // fail at start, not at the first request, when the source is wrong
  // The engine's worker threads start with the first sweep (an idle server does not hold their memory).
  let pool: SweepPool | undefined
  const engine: SweepEngine = {
    run: (closes, spec, opts) => (pool ??= new SweepPool({ workers: config.ENGINE_WORKERS })).run(closes, spec, opts),
  }
  const app = await buildApp({
    engine,
    marketData,
    logger,
    apiKey: config.TRADING_API_KEY,
    callbacksEnabled: config.CALLBACKS_ENABLED,
    callbackTimeoutMs: config.CALLBACK_TIMEOUT_MS,
    callbackRetries: config.CALLBACK_RETRIES,
    maxJobs: config.MAX_JOBS,
    maxConcurrentJobs: config.MAX_CONCURRENT_JOBS,
  })
  await app.listen({ port: config.PORT, host: config.HOST })
  logger.info({ port: config.PORT, host: config.HOST, marketData: marketData.description }, 'trading-api ready')
  onShutdown(logger, [
    { name: 'http', close: () => app.close() },
    { name: 'engine', close: async () => void (await pool?.close()) },
    { name: 'tracing', close: () => tracing.stop() },
  ])
})
