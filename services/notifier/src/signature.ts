import { createHmac } from 'node:crypto'

/**
 * `X-Zixly-Signature` of an outgoing callback: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.rawBody">`
 * under the tenant's signing secret — the scheme ingest verifies on incoming webhooks, so a client
 * checks our callbacks with the code it signs its requests with. Kept here as one small function so
 * it can be replaced by `signWebhook` from `@zixly/auth` once that package is published.
 */
export function signCallback(secret: string, rawBody: string, unixSeconds: number): string {
  const v1 = createHmac('sha256', secret).update(`${unixSeconds}.${rawBody}`, 'utf8').digest('hex')
  return `t=${unixSeconds},v1=${v1}`
}
