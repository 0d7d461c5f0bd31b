import type { PoolClient } from '@zixly/platform'
import type { Statement } from './projections/types.ts'

// `COPY … FROM STDIN` through node-postgres without another dependency: a "submittable" query object
// (what pg-copy-streams is built on) that sends the statement, then, once the server asks for the
// data, every chunk as CopyData messages and CopyDone. The chunks are built by `CopyRows` (sql.ts).

interface CopyConnection {
  readonly stream: {
    readonly writableNeedDrain: boolean
    once(event: 'drain' | 'close', fn: () => void): unknown
    off(event: 'drain' | 'close', fn: () => void): unknown
  }
  query(text: string): void
  sendCopyFromChunk(chunk: Buffer): void
  endCopyFrom(): void
}

class CopyIn {
  callback: ((err: Error | null) => void) | undefined
  private done = false
  constructor(
    readonly text: string,
    private readonly chunks: readonly Uint8Array[],
  ) {}

  private finish(err: Error | null) {
    if (this.done) return
    this.done = true
    this.callback?.(err)
  }

  // The data follows the statement at once, without waiting for the server's CopyInResponse: the
  // server reads messages in order, so it finds the data there once it runs the COPY, and a COPY
  // sent while the event loop is about to be busy (a batch being folded, apply.ts) is stored
  // meanwhile instead of waiting for the loop to read that response. Had the COPY failed before
  // taking its data, the server drops the CopyData and CopyDone it then reads, as the protocol says
  // (and `send` stops at the error, before the client sends its next query).
  submit(con: CopyConnection) {
    con.query(this.text)
    void this.send(con)
  }
  handleCopyInResponse() {}
  // Each chunk is sent when the socket has room for it. Writing them all at once queued a whole
  // batch of buffers in the socket while Postgres worked through them; they outlived the young
  // generation and the rebuild's RSS grew to gigabytes. Stops early if the server reported an error
  // (it then ignores copy data; the connection is ready for the next query).
  private async send(con: CopyConnection) {
    for (const chunk of this.chunks) {
      if (this.done) return
      con.sendCopyFromChunk(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength))
      if (con.stream.writableNeedDrain)
        await new Promise<void>((resolve) => {
          const done = () => {
            con.stream.off('drain', done)
            con.stream.off('close', done)
            resolve()
          }
          con.stream.once('drain', done)
          con.stream.once('close', done)
        })
    }
    if (!this.done) con.endCopyFrom()
  }
  // The client forgets a query once the server reported an error (no ReadyForQuery reaches it).
  handleError(err: Error) {
    this.finish(err)
  }
  handleReadyForQuery() {
    this.finish(null)
  }
  handleCommandComplete() {}
  handleRowDescription() {}
  handleDataRow() {}
  handleEmptyQuery() {}
  handlePortalSuspended() {}
  handleCopyData() {}
}

/** Runs a COPY statement (`s.copy` holds its data, in the format the statement names). */
export function copyIn(c: PoolClient, s: Statement): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const q = new CopyIn(s.text, s.copy ?? [])
    q.callback = (err) => (err ? reject(err) : resolve())
    ;(c as unknown as { query(q: CopyIn): unknown }).query(q)
  })
}
