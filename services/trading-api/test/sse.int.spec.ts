import { TradingApiProgressEvent, TradingApiSubmitted } from '@zixly/contracts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { json, LONG_SWEEP, postJson, SEED_SWEEP, startTradingApi, waitForJob } from './helpers.ts'

/** Reads an SSE response to its end and returns the parsed `data:` events. */
async function readEvents(res: Response, onEvent?: (e: TradingApiProgressEvent) => void) {
  const events: TradingApiProgressEvent[] = []
  const decoder = new TextDecoder()
  let buffer = ''
  for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true })
    let end: number
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end)
      buffer = buffer.slice(end + 2)
      const data = block.split('\n').find((l) => l.startsWith('data: '))
      if (!data) continue
      const event = TradingApiProgressEvent.parse(JSON.parse(data.slice(6)))
      events.push(event)
      onEvent?.(event)
    }
  }
  return events
}

describe('GET /api/v1/jobs/{id}/stream', () => {
  let api: Awaited<ReturnType<typeof startTradingApi>>
  beforeAll(async () => {
    api = await startTradingApi({ callbacksEnabled: false })
  })
  afterAll(() => api.close())

  it('streams progress that never goes back and ends with the completed event', async () => {
    const { job_id, stream_url } = TradingApiSubmitted.parse(
      await json(await postJson(`${api.baseUrl}/api/v1/strategy/sweep`, { ...SEED_SWEEP, fast_range: [5, 40], slow_range: [10, 120], step: 1 })),
    )
    const res = await fetch(api.baseUrl + stream_url)
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/)
    const events = await readEvents(res)
    const last = events.at(-1)
    expect(last).toMatchObject({ job_id, status: 'completed', progress: 100, percent: 100, done: true })
    expect(events.slice(0, -1).every((e) => !e.done)).toBe(true)
    const progress = events.map((e) => e.progress)
    expect(progress).toEqual([...progress].sort((a, b) => a - b))
  })

  it('ends with a cancelled event when the job is cancelled mid-run', async () => {
    const { job_id, stream_url } = TradingApiSubmitted.parse(await json(await postJson(`${api.baseUrl}/api/v1/strategy/sweep`, LONG_SWEEP)))
    const res = await fetch(api.baseUrl + stream_url)
    let cancelled = false
    const events = await readEvents(res, (e) => {
      if (!cancelled && e.status === 'running') {
        cancelled = true
        void fetch(`${api.baseUrl}/api/v1/jobs/${job_id}`, { method: 'DELETE' })
      }
    })
    expect(events.at(-1)).toMatchObject({ status: 'cancelled', done: true })
  })

  it('gives one terminal event and closes for a job that already finished', async () => {
    const { job_id, stream_url } = TradingApiSubmitted.parse(await json(await postJson(`${api.baseUrl}/api/v1/strategy/sweep`, SEED_SWEEP)))
    await waitForJob(api.baseUrl, job_id)
    const events = await readEvents(await fetch(api.baseUrl + stream_url))
    expect(events).toHaveLength(1)
    expect(events[0]).toMatchObject({ status: 'completed', done: true })
  })

  it('answers an unknown job with 404 instead of a stream', async () => {
    const res = await fetch(`${api.baseUrl}/api/v1/jobs/nope/stream`)
    expect(res.status).toBe(404)
  })
})
