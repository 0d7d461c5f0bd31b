// The tab's one live connection: an EventSource on /api/stream, shared by every page. Pages listen
// for job changes; on `hello` of a fresh connection (or `reload`) the pages that show live data reload
// their snapshot, which covers whatever happened before the stream was listening.
import { goto, invalidate } from '$app/navigation'
import type { JobSummary } from '@zixly/contracts'

export type LiveState = 'connecting' | 'open' | 'reconnecting' | 'closed'
type JobsListener = (jobs: JobSummary[], at: number) => void
type ReloadListener = () => void

class Live {
  state = $state<LiveState>('closed')
  /** The last checkpoint received (shown in the footer; the browser resends it on reconnect). */
  checkpoint = $state<number | null>(null)
  #es: EventSource | null = null
  #listeners = new Set<JobsListener>()
  #reloads = new Set<ReloadListener>()

  #retry: ReturnType<typeof setTimeout> | undefined

  start(): void {
    if (this.#es) return
    this.state = 'connecting'
    // A source the browser gave up on (e.g. the server answered 502 while restarting) is opened again
    // with the last checkpoint in the URL, since a new EventSource does not send Last-Event-ID.
    const es = new EventSource(this.checkpoint === null ? '/api/stream' : `/api/stream?last_event_id=${this.checkpoint}`)
    this.#es = es
    es.onopen = () => (this.state = 'open')
    // The browser reconnects by itself, sending Last-Event-ID.
    es.onerror = () => {
      if (es.readyState !== EventSource.CLOSED) {
        this.state = 'reconnecting'
        return
      }
      this.state = 'reconnecting'
      es.close()
      this.#es = null
      clearTimeout(this.#retry)
      this.#retry = setTimeout(() => this.start(), 2000)
    }
    es.addEventListener('hello', (e) => {
      const hello = JSON.parse((e as MessageEvent<string>).data) as { resumed: boolean; checkpoint: number | null }
      this.checkpoint = hello.checkpoint
      if (!hello.resumed) this.#reload()
    })
    es.addEventListener('reload', (e) => {
      this.#checkpoint(e)
      this.#reload()
    })
    es.addEventListener('checkpoint', (e) => this.#checkpoint(e))
    es.addEventListener('jobs', (e) => {
      const at = performance.now()
      this.#checkpoint(e)
      const { jobs } = JSON.parse((e as MessageEvent<string>).data) as { jobs: JobSummary[] }
      for (const l of this.#listeners) l(jobs, at)
    })
    es.addEventListener('unauthorized', () => {
      this.stop()
      void goto('/login')
    })
  }

  #checkpoint(e: Event) {
    const id = Number((e as MessageEvent).lastEventId)
    if (Number.isInteger(id) && id > 0) this.checkpoint = id
  }

  // Only pages that show live data reload (a reload on, say, the trigger form would race its redirect).
  #reload() {
    for (const l of this.#reloads) l()
  }

  /** Calls `fn` when the page should reload its snapshot (fresh stream, or a gap the stream cannot fill). */
  onReload(fn: ReloadListener = () => void invalidate('app:live')): () => void {
    this.#reloads.add(fn)
    return () => this.#reloads.delete(fn)
  }

  stop(): void {
    clearTimeout(this.#retry)
    this.#es?.close()
    this.#es = null
    this.state = 'closed'
  }

  /** Calls `fn` with every batch of changed jobs; returns the unsubscribe function. */
  onJobs(fn: JobsListener): () => void {
    this.#listeners.add(fn)
    return () => this.#listeners.delete(fn)
  }
}

export const live = new Live()
