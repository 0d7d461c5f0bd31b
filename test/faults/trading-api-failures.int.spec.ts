import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { countPairs, DeadLettersPage } from '@zixly/contracts'
import { checkSaga } from './support/saga-check.ts'
import { faultStack, type FaultStack } from './support/stack.ts'
import { startTradingApi } from './support/trading-api.ts'

// Fault 4: the executor runs sweeps on a Trading API (its http adapter) that fails. A server that
// fails the first two attempts and succeeds on the third; one that always fails (→ SweepFailed after
// 3 attempts and a dead letter); one that hangs (→ the attempt's timeout stops it — DELETE sent — and
// the retry succeeds). One test server, scripted per ticker; the services are real processes.

let stack: FaultStack
let api: Awaited<ReturnType<typeof startTradingApi>>
beforeAll(async () => {
  api = await startTradingApi({
    AAPL: (n) => (n <= 2 ? 'unavailable' : 'complete'),
    MSFT: () => 'unavailable',
    SPY: (n) => (n === 1 ? 'hang' : 'complete'),
  })
  stack = await faultStack({
    label: 'fault4',
    env: { RETRY_BASE_MS: '200', RETRY_CAP_MS: '400', TIMEOUT_GRACE_MS: '1000' },
  })
  await Promise.all([
    stack.spawn('orchestrator'),
    stack.spawn('projector'),
    stack.spawn('executor', {
      EXECUTOR_ID: 'http-executor',
      EXECUTOR_CONCURRENCY: '3',
      EXECUTOR_ADAPTER: 'http',
      TRADING_API_URL: api.url,
      TRADING_API_POLL_MS: '50',
      TRADING_API_TIMEOUT_MS: '2000',
    }),
  ])
}, 180_000)
afterAll(async () => {
  await stack?.stop()
  await api?.close()
})

const sweep = (ticker: string, extra: Record<string, unknown> = {}) => ({
  ticker,
  strategy_type: 'SMA',
  fast_range: [10, 12],
  slow_range: [20, 22],
  step: 1,
  min_trades: 1,
  ...extra,
})
const pairs = countPairs([10, 12], [20, 22], 1)

describe('fault 4: a failing Trading API', () => {
  it(
    'retries a flaky server until it succeeds, fails and dead-letters one that always fails, and times out a hanging one',
    { timeout: 300_000 },
    async () => {
      const flaky = await stack.submit(sweep('AAPL'))
      const broken = await stack.submit(sweep('MSFT'))
      const hanging = await stack.submit(sweep('SPY', { timeout_seconds: 2 }))
      const statuses = await stack.allTerminal([flaky, broken, hanging], 60_000)

      // Fails twice (503), succeeds on the third attempt.
      expect(statuses.get(flaky)).toBe('COMPLETED')
      const f = await stack.history(flaky)
      expect(checkSaga(f)).toMatchObject({
        problems: [],
        status: 'COMPLETED',
        attempts: 3,
        resultRows: pairs,
        distinctPairs: pairs,
      })
      expect(f.map((e) => e.type)).toEqual([
        'SweepRequested',
        'SweepDispatched',
        'SweepStarted',
        'SweepAttemptFailed',
        'SweepRetryScheduled',
        'SweepDispatched',
        'SweepStarted',
        'SweepAttemptFailed',
        'SweepRetryScheduled',
        'SweepDispatched',
        'SweepStarted',
        ...f.filter((e) => e.type === 'SweepProgressed').map(() => 'SweepProgressed'),
        'SweepResultsRecorded',
        'SweepCompleted',
      ])
      expect(api.submissions.get('AAPL')).toBe(3)

      // Always fails: SweepFailed after 3 attempts with every attempt's error, and a dead letter.
      expect(statuses.get(broken)).toBe('FAILED')
      const b = await stack.history(broken)
      expect(checkSaga(b)).toMatchObject({ problems: [], status: 'FAILED', attempts: 3 })
      const failed = b.at(-1)!
      expect(failed).toMatchObject({
        type: 'SweepFailed',
        data: { attempts: 3, reason: expect.stringContaining('after 3 attempts') },
      })
      expect(
        failed.type === 'SweepFailed' && failed.data.errors.map((e) => [e.attempt, e.retryable]),
      ).toEqual([
        [1, true],
        [2, true],
        [3, true],
      ])
      expect(b.filter((e) => e.type === 'SweepRetryScheduled')).toHaveLength(2)
      const res = await fetch(`${stack.ingest.url}/api/dead-letters?job_id=${broken}`, {
        headers: stack.ingest.headers,
      })
      const letters = DeadLettersPage.parse(await res.json()).dead_letters
      expect(letters).toMatchObject([{ source: 'job_failed', job_id: broken, attempts: 3 }])
      expect(letters[0]!.errors).toHaveLength(3)
      expect(api.submissions.get('MSFT')).toBe(3)

      // Hangs on the first attempt: the deadline aborts it (the remote job is DELETEd), the retry succeeds.
      expect(statuses.get(hanging)).toBe('COMPLETED')
      const h = await stack.history(hanging)
      expect(checkSaga(h)).toMatchObject({
        problems: [],
        status: 'COMPLETED',
        attempts: 2,
        resultRows: pairs,
      })
      const timeout = h.find((e) => e.type === 'SweepAttemptFailed')
      expect(timeout).toMatchObject({
        data: { attempt: 1, error: { code: 'ATTEMPT_TIMEOUT', retryable: true } },
      })
      const firstRemote = [...api.jobs.values()].find((j) => j.ticker === 'SPY')!
      expect(api.deletes).toContain(firstRemote.id)
      expect(firstRemote.status).toBe('cancelled')

      expect(await stack.resultCounts([flaky, broken, hanging])).toEqual(
        new Map([
          [flaky, { rows: pairs, distinct: pairs }],
          [hanging, { rows: pairs, distinct: pairs }],
        ]),
      )
    },
  )
})
