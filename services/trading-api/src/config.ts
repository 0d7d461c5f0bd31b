import { MarketDataConfig } from '@zixly/market-data'
import { BaseConfig } from '@zixly/platform'
import { availableParallelism } from 'node:os'
import { z } from 'zod'

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1')

/** Environment of the bundled Trading API server (see README). */
export const TradingApiConfig = MarketDataConfig.extend({
  LOG_LEVEL: BaseConfig.shape.LOG_LEVEL,
  PORT: z.coerce.number().int().min(0).max(65535).default(8000),
  HOST: z.string().default('127.0.0.1'),
  /** When set, clients must send it as `X-API-Key`. */
  TRADING_API_KEY: z.string().min(1).optional(),
  CALLBACKS_ENABLED: bool.default(true),
  CALLBACK_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  CALLBACK_RETRIES: z.coerce.number().int().min(0).max(10).default(3),
  ENGINE_WORKERS: z.coerce.number().int().min(1).max(256).default(availableParallelism()),
  MAX_JOBS: z.coerce.number().int().min(1).max(10_000).default(50),
  MAX_CONCURRENT_JOBS: z.coerce.number().int().min(1).max(64).default(1),
})
export type TradingApiConfig = z.infer<typeof TradingApiConfig>
