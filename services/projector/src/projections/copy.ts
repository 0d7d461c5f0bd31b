import type { PoolClient } from '@zixly/platform'
import type { Statement } from './types.ts'

// `COPY … FROM STDIN` through node-postgres without another dependency: a "submittable" query object
// (what pg-copy-streams is built on) that sends the statement, then, once the server asks for the
// data, every chunk as CopyData messages and CopyDone. The chunks are built by `CopyRows` (sql.ts).

interface CopyConnection {
  query(text: string): void
  sendCopyFromChunk(chunk: Buffer): void
  endCopyFrom(): void
}

class CopyIn {
  callback: ((err: Error | null) => void) | undefined
  private done = false
  constructor(
    readonly text: string,
    private readonly chunks: readonly string[],
  ) {}

  private finish(err: Error | null) {
    if (this.done) return
    this.done = true
    this.callback?.(err)
  }

  submit(con: CopyConnection) {
    con.query(this.text)
  }
  handleCopyInResponse(con: CopyConnection) {
    for (const chunk of this.chunks) con.sendCopyFromChunk(Buffer.from(chunk, 'utf8'))
    con.endCopyFrom()
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

/** Runs a COPY statement (`s.copy` holds its data in COPY text format). */
export function copyIn(c: PoolClient, s: Statement): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const q = new CopyIn(s.text, s.copy ?? [])
    q.callback = (err) => (err ? reject(err) : resolve())
    ;(c as unknown as { query(q: CopyIn): unknown }).query(q)
  })
}
