import { SweepPool } from '@zixly/engine'
import { createMarketData, marketDataOptions } from '@zixly/market-data'
import { createLogger, loadConfig, onShutdown, runMain, startTracing } from '@zixly/platform'
import { buildApp } from './app.ts'
import { TradingApiConfig } from './config.ts'

runMain('trading-api', async () => {
  const config = loadConfig(TradingApiConfig)
  const logger = createLogger('trading-api', config.LOG_LEVEL)
  // OTLP/HTTP export of this service's spans when OTEL_EXPORTER_OTLP_ENDPOINT is set.
  const tracing = startTracing('trading-api')
  const md = marketDataOptions(config)
  const marketData = createMarketData(md.source, md.deps)
  await marketData.listTickers() // fail at start, not at the first request, when the source is wrong
  const pool = new SweepPool({ workers: config.ENGINE_WORKERS })
  const app = await buildApp({
    engine: pool,
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
    { name: 'engine', close: () => pool.close() },
    { name: 'tracing', close: () => tracing.stop() },
  ])
})
