import autocannon from 'autocannon'

export interface LoadResult {
  /** Accepted (2xx) requests per second over the whole run. */
  accepted_per_s: number
  p50_ms: number
  p99_ms: number
  max_ms: number
  accepted: number
  non2xx: number
  errors: number
  duration_s: number
}

/** autocannon against one POST endpoint: `connections` keep-alive connections for `seconds`. */
export async function hammer(opts: {
  url: string
  headers: Record<string, string>
  body: unknown
  connections: number
  seconds: number
}): Promise<LoadResult> {
  const r = await autocannon({
    url: opts.url,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...opts.headers },
    body: JSON.stringify(opts.body),
    connections: opts.connections,
    duration: opts.seconds,
  })
  return {
    accepted_per_s: r['2xx'] / r.duration,
    p50_ms: r.latency.p50,
    p99_ms: r.latency.p99,
    max_ms: r.latency.max,
    accepted: r['2xx'],
    non2xx: r.non2xx,
    errors: r.errors,
    duration_s: r.duration,
  }
}
