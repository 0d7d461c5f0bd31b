import type { NormalizedCallback } from '@zixly/contracts'

/** Registers a listener for callbacks and returns a function that removes it. */
export type SubscribeCallbacks = (listener: (callback: NormalizedCallback) => void) => () => void

/**
 * Where a remote sweep hears callbacks from. The executor receives them through ingest and NATS;
 * it can hand over a subscribe function (simplest: a `CallbackHub`), any async iterable, or an
 * object with `next()` (an iterator, or a pull function returning one callback at a time).
 */
export type CallbackSource =
  | SubscribeCallbacks
  | AsyncIterable<NormalizedCallback>
  | { next(): Promise<IteratorResult<NormalizedCallback> | NormalizedCallback> }

/** A tiny in-process pub/sub: `publish` what arrives (e.g. from a NATS subscription), pass `subscribe` to `runRemoteSweep`. */
export function createCallbackHub() {
  const listeners = new Set<(c: NormalizedCallback) => void>()
  return {
    publish(callback: NormalizedCallback): void {
      for (const l of [...listeners]) l(callback)
    },
    subscribe: ((listener) => {
      listeners.add(listener)
      return () => listeners.delete(listener)
    }) as SubscribeCallbacks,
    get listenerCount() {
      return listeners.size
    },
  }
}
export type CallbackHub = ReturnType<typeof createCallbackHub>

const isIteratorResult = (v: unknown): v is IteratorResult<NormalizedCallback> =>
  typeof v === 'object' && v !== null && 'done' in v && ('value' in v || v.done === true)

/** Any `CallbackSource` as a subscribe function; pulling stops when unsubscribed. */
export function toSubscribe(source: CallbackSource): SubscribeCallbacks {
  if (typeof source === 'function') return source
  return (listener) => {
    let stopped = false
    const iterator: { next(): Promise<unknown>; return?: () => Promise<unknown> } =
      Symbol.asyncIterator in source ? (source as AsyncIterable<NormalizedCallback>)[Symbol.asyncIterator]() : source
    void (async () => {
      while (!stopped) {
        const item = await iterator.next()
        if (stopped) return
        if (isIteratorResult(item)) {
          if (item.done) return
          listener(item.value)
        } else listener(item as NormalizedCallback)
      }
    })().catch(() => undefined) // a broken source leaves polling to finish the job
    return () => {
      stopped = true
      void iterator.return?.().catch(() => undefined)
    }
  }
}
