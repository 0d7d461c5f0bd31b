import { z } from 'zod'
import { loadConfig } from '@zixly/platform'
import type { S3SourceOptions } from './sources.ts'

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1')

/** Environment of the market-data source; merge it into a service's config schema. */
export const MarketDataConfig = z.object({
  /** `s3://bucket/prefix`, `https://host/base/`, a `file:` URL or a folder path; empty = the bundled pack. */
  MARKET_DATA_URL: z.string().optional(),
  MARKET_DATA_S3_ENDPOINT: z.url().optional(),
  MARKET_DATA_S3_REGION: z.string().optional(),
  MARKET_DATA_S3_FORCE_PATH_STYLE: bool.optional(),
  /** Falls back to the AWS SDK's own credential chain when unset. */
  MARKET_DATA_S3_ACCESS_KEY_ID: z.string().optional(),
  MARKET_DATA_S3_SECRET_ACCESS_KEY: z.string().optional(),
  MARKET_DATA_CACHE_SIZE: z.coerce.number().int().min(1).max(1000).default(16),
})
export type MarketDataConfig = z.infer<typeof MarketDataConfig>

/** `createMarketData` arguments from a parsed `MarketDataConfig`. */
export function marketDataOptions(c: MarketDataConfig) {
  const s3: S3SourceOptions = {
    ...(c.MARKET_DATA_S3_ENDPOINT !== undefined && { endpoint: c.MARKET_DATA_S3_ENDPOINT }),
    ...(c.MARKET_DATA_S3_REGION !== undefined && { region: c.MARKET_DATA_S3_REGION }),
    ...(c.MARKET_DATA_S3_FORCE_PATH_STYLE !== undefined && { forcePathStyle: c.MARKET_DATA_S3_FORCE_PATH_STYLE }),
    ...(c.MARKET_DATA_S3_ACCESS_KEY_ID !== undefined &&
      c.MARKET_DATA_S3_SECRET_ACCESS_KEY !== undefined && {
        credentials: { accessKeyId: c.MARKET_DATA_S3_ACCESS_KEY_ID, secretAccessKey: c.MARKET_DATA_S3_SECRET_ACCESS_KEY },
      }),
  }
  return { source: c.MARKET_DATA_URL, deps: { s3, cacheSize: c.MARKET_DATA_CACHE_SIZE } }
}

/** Reads `MarketDataConfig` from an environment and gives `createMarketData(source, deps)` arguments. */
export function loadMarketDataConfig(env: Record<string, string | undefined> = process.env) {
  return marketDataOptions(loadConfig(MarketDataConfig, env))
}
