export { buildApp, type IngestDeps } from './app.ts'
export { idempotencyStore } from './idempotency.ts'
export { readModel } from './read-model.ts'
export { openApiDocument } from './openapi.ts'
