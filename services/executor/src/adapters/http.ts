import { countPairs, RelayedCallback, type Names, type NormalizedCallback } from '@zixly/contracts'
import { callbackToken, type NatsConnection } from '@zixly/platform'
import { createCallbackHub, runRemoteSweep, type TradingApiClient } from '@zixly/trading-api-client'
import type { PreparedSweep, SweepRunner } from '../runner.ts'

export interface HttpRunnerDeps {
  nc: NatsConnection
  names: Names
  client: TradingApiClient
  /**
   * Ingest's public base URL for Trading-API callbacks (`…/webhook/sweep-callback`); null sends no
   * `webhook_url`, and polling alone finishes the sweep.
   */
  callbackBaseUrl: string | null
  callbackSecret: string
  pollIntervalMs?: number
  overallTimeoutMs?: number
}

/**
 * The `http` adapter: runs the sweep on any Trading-API-compatible server. The callback ingest
 * receives for this job is relayed on `<ns>.callbacks.<tenant>.<job>`; whichever comes first of that
 * callback or a poll answer ends the wait. An abort (cancel, deadline, shutdown) sends `DELETE`.
 */
export function httpRunner(deps: HttpRunnerDeps): SweepRunner {
  return {
    name: 'http',
    async prepare(params, _signal, ctx): Promise<PreparedSweep> {
      const combinations = countPairs(params.fast_range, params.slow_range, params.step)
      return {
        // Bars are counted by the remote server; the results archive loads the series itself.
        bars: 0,
        combinations,
        async run({ signal, onProgress }) {
          const hub = createCallbackHub()
          const sub = deps.nc.subscribe(deps.names.callbackSubject(ctx.tenantId, ctx.jobId), {
            callback: (err, m) => {
              if (err) return
              const parsed = RelayedCallback.safeParse(safeJson(() => m.json()))
              if (parsed.success) hub.publish(parsed.data as NormalizedCallback)
            },
          })
          try {
            const webhookUrl =
              deps.callbackBaseUrl === null
                ? undefined
                : `${deps.callbackBaseUrl.replace(/\/+$/, '')}/webhook/sweep-callback?${new URLSearchParams({
                    job_id: ctx.jobId,
                    tenant: ctx.tenantId,
                    token: callbackToken(deps.callbackSecret, ctx.tenantId, ctx.jobId),
                  }).toString()}`
            const result = await runRemoteSweep(deps.client, params, {
              signal,
              callbacks: hub.subscribe,
              ...(webhookUrl === undefined ? {} : { webhookUrl }),
              ...(deps.pollIntervalMs === undefined ? {} : { pollIntervalMs: deps.pollIntervalMs }),
              ...(deps.overallTimeoutMs === undefined ? {} : { overallTimeoutMs: deps.overallTimeoutMs }),
              onProgress: (pct) => onProgress(Math.floor((pct / 100) * combinations), combinations),
            })
            return { rows: result.rows, bnhReturnPct: 0 }
          } finally {
            sub.unsubscribe()
          }
        },
      }
    },
    close: async () => {},
  }
}

function safeJson(read: () => unknown): unknown {
  try {
    return read()
  } catch {
    return null
  }
}
