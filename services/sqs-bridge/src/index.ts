export { makeSqsBridge, findDeadLetterQueue, type BridgeDeps } from './bridge.ts'
export {
  parseMessage,
  retryVisibilitySeconds,
  queueNameOfArn,
  IDEMPOTENCY_ATTRIBUTE,
  DLQ_ATTRIBUTES,
  type QueueMessage,
} from './message.ts'
export { BridgeConfig } from './config.ts'
