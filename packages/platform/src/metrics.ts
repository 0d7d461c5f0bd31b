import client from 'prom-client'

/** Every service's metrics on its own registry: the seed's names plus Zixly's consumer and projector gauges. */
export function createMetrics(service: string) {
  const registry = new client.Registry()
  registry.setDefaultLabels({ service })
  client.collectDefaultMetrics({ register: registry })
  const r = [registry]
  return {
    registry,
    jobsQueued: new client.Counter({
      name: 'pipeline_jobs_queued_total',
      help: 'Jobs accepted and appended to the log',
      labelNames: ['job_type', 'tenant_id', 'ticker'] as const,
      registers: r,
    }),
    jobDuration: new client.Histogram({
      name: 'pipeline_job_duration_seconds',
      help: 'Time from a job being requested to its terminal event',
      labelNames: ['job_type', 'status'] as const,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600],
      registers: r,
    }),
    jobsProcessed: new client.Counter({
      name: 'pipeline_jobs_processed_total',
      help: 'Jobs that reached a terminal status',
      labelNames: ['job_type', 'status'] as const,
      registers: r,
    }),
    jobs: new client.Gauge({
      name: 'pipeline_jobs',
      help: 'Jobs by current status in the read model',
      labelNames: ['status'] as const,
      registers: r,
    }),
    httpDuration: new client.Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: r,
    }),
    tradingApiLatency: new client.Histogram({
      name: 'trading_api_latency_seconds',
      help: 'Latency of calls to a Trading API',
      labelNames: ['endpoint'] as const,
      buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
      registers: r,
    }),
    tradingApiErrors: new client.Counter({
      name: 'trading_api_errors_total',
      help: 'Failed calls to a Trading API',
      labelNames: ['endpoint', 'error_type'] as const,
      registers: r,
    }),
    consumerPending: new client.Gauge({
      name: 'zixly_consumer_pending',
      help: 'Messages not yet delivered to a durable consumer',
      labelNames: ['stream', 'durable'] as const,
      registers: r,
    }),
    consumerRedelivered: new client.Gauge({
      name: 'zixly_consumer_redelivered',
      help: 'Messages a durable consumer has redelivered',
      labelNames: ['stream', 'durable'] as const,
      registers: r,
    }),
    projectorLag: new client.Gauge({
      name: 'zixly_projector_lag_events',
      help: 'Stream last sequence minus the projector checkpoint',
      registers: r,
    }),
    executorBusy: new client.Gauge({
      name: 'zixly_executor_busy_workers',
      help: 'Sweeps an executor is running now',
      registers: r,
    }),
    deadLetters: new client.Counter({
      name: 'zixly_dead_letters_total',
      help: 'Messages and jobs recorded as dead letters',
      labelNames: ['reason'] as const,
      registers: r,
    }),
    rateLimitRejections: new client.Counter({
      name: 'zixly_rate_limit_rejections_total',
      help: 'Requests refused by a rate limit',
      labelNames: ['tenant_id'] as const,
      registers: r,
    }),
    notifications: new client.Counter({
      name: 'zixly_notifications_total',
      help: 'Notification delivery attempts by channel kind and result (sent, retrying, failed)',
      labelNames: ['channel', 'result'] as const,
      registers: r,
    }),
  }
}
export type Metrics = ReturnType<typeof createMetrics>

/** What `watchConsumers` needs of a JetStreamManager. */
export interface ConsumerInfoSource {
  consumers: { info(stream: string, durable: string): Promise<{ num_pending: number; num_redelivered: number }> }
}

/**
 * Keeps `zixly_consumer_pending` and `zixly_consumer_redelivered` of some durable consumers up to
 * date: read once now and every `everyMs` (`ZIXLY_CONSUMER_METRICS_MS`, default 5 s; a consumer that
 * cannot be read keeps its last values). `redelivered` counts messages delivered more than once and
 * not yet acked, so it is non-zero only while a redelivered message is outstanding.
 */
export function watchConsumers(
  jsm: ConsumerInfoSource,
  metrics: Metrics,
  consumers: ReadonlyArray<{ stream: string; durable: string }>,
  everyMs = Number(process.env.ZIXLY_CONSUMER_METRICS_MS) || 5000,
): { refresh(): Promise<void>; stop(): void } {
  const refresh = async () => {
    await Promise.all(
      consumers.map(async (c) => {
        try {
          const info = await jsm.consumers.info(c.stream, c.durable)
          metrics.consumerPending.set(c, info.num_pending)
          metrics.consumerRedelivered.set(c, info.num_redelivered)
        } catch {
          // NATS unreachable for a moment: the next round tries again.
        }
      }),
    )
  }
  void refresh()
  const timer = setInterval(() => void refresh(), everyMs)
  timer.unref()
  return { refresh, stop: () => clearInterval(timer) }
}
