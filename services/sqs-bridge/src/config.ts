import { BaseConfig } from '@zixly/platform'
import { MarketDataConfig } from '@zixly/market-data'
import { z } from 'zod'

const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v)

/** The bridge's environment. */
export const BridgeConfig = BaseConfig.extend(MarketDataConfig.shape).extend({
  SQS_BRIDGE_PORT: z.coerce.number().int().min(0).max(65535).default(3015),
  /** The queue sweep requests arrive on. */
  SQS_QUEUE_URL: z.url(),
  /** Its dead-letter queue; read from the queue's RedrivePolicy when not set. */
  SQS_DLQ_URL: z.preprocess(blankToUndefined, z.url().optional()),
  /** An SQS-compatible endpoint (LocalStack, ElasticMQ, fauxqs); AWS itself when not set. */
  SQS_ENDPOINT: z.preprocess(blankToUndefined, z.url().optional()),
  AWS_REGION: z.string().default('us-east-1'),
  /** The tenant every job from this queue belongs to (one queue per tenant: queue access is the credential). */
  SQS_TENANT_ID: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/)
    .optional(),
  SQS_WAIT_SECONDS: z.coerce.number().int().min(0).max(20).default(20),
  SQS_MAX_MESSAGES: z.coerce.number().int().min(1).max(10).default(10),
  IDEMPOTENCY_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(86_400)
    .default(7 * 86_400),
})
export type BridgeConfig = z.infer<typeof BridgeConfig>
