import { BaseConfig, loadConfig } from '@zixly/platform'
import { MarketDataConfig } from '@zixly/market-data'
import { z } from 'zod'

/** The dashboard server's environment: the shared base plus where ingest answers. */
export const WebConfig = BaseConfig.extend(MarketDataConfig.shape).extend({
  PORT: z.coerce.number().int().min(0).max(65535).default(3001),
  /** Ingest's base URL; the dashboard reads and writes only through it, forwarding the session cookie. */
  INGEST_URL: z.url().default('http://127.0.0.1:3000'),
  /** Per-call timeout towards ingest. */
  INGEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  /** SSE keep-alive comment interval. */
  SSE_HEARTBEAT_MS: z.coerce.number().int().min(1000).max(120_000).default(15_000),
})
export type WebConfig = z.infer<typeof WebConfig>

let cached: WebConfig | undefined

/** Parsed once, on first use (the build step never reads the environment). */
export function config(): WebConfig {
  cached ??= loadConfig(WebConfig, process.env)
  return cached
}
