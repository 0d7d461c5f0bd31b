import { error } from '@sveltejs/kit'
import { config } from '$lib/server/config'
import { serverContext } from '$lib/server/context'
import { parseLastEventId, sseFrame, startJobStream, type StreamEvent } from '$lib/server/stream'
import type { RequestHandler } from './$types'

/**
 * One stream per browser tab: the user's tenant's job changes, fed by the projector's notices. The
 * reconnecting browser sends Last-Event-ID (a checkpoint) and the stream resumes from it.
 */
export const GET: RequestHandler = async ({ locals, request, url }) => {
  const user = locals.user
  if (!user) error(401, { message: 'sign in first', code: 'UNAUTHORIZED' })
  const { ingest, hub, logger } = serverContext()
  const api = ingest(locals.session)
  const lastEventId = parseLastEventId(request.headers.get('last-event-id') ?? url.searchParams.get('last_event_id'))
  const encoder = new TextEncoder()
  let cleanup = () => {}

  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      let open = true
      const write = (s: string) => {
        if (!open) return
        try {
          controller.enqueue(encoder.encode(s))
        } catch {
          open = false
        }
      }
      // Reconnect quickly after a dropped connection; comments keep proxies from timing the stream out.
      write('retry: 1000\n\n')
      const heartbeat = setInterval(() => write(': ping\n\n'), config().SSE_HEARTBEAT_MS)
      const stream = await startJobStream(
        {
          changes: (since) => api.changes(since),
          summaries: (ids) => api.summaries(ids),
          subscribe: (l) => hub.subscribe(user.tenant_id, l),
          latest: () => hub.latest(user.tenant_id),
          send: (e: StreamEvent) => write(sseFrame(e)),
          end: () => {
            cleanup()
            try {
              controller.close()
            } catch {
              /* already closed */
            }
          },
          logger,
        },
        lastEventId,
      )
      cleanup = () => {
        open = false
        clearInterval(heartbeat)
        stream.stop()
      }
      request.signal.addEventListener('abort', () => cleanup(), { once: true })
    },
    cancel() {
      cleanup()
    },
  })

  return new Response(body, {
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    },
  })
}
