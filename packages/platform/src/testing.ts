// Helpers for tests of any package: kept out of the main entry so services never load them.
import { Writable } from 'node:stream'
export { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace'

/** A destination for `createLogger` that keeps every line written, to search the output of a run. */
export function captureStream(): { stream: Writable; text(): string; lines(): Array<Record<string, unknown>> } {
  const chunks: string[] = []
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      chunks.push(chunk.toString())
      done()
    },
  })
  const text = () => chunks.join('')
  return {
    stream,
    text,
    lines: () =>
      text()
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  }
}
