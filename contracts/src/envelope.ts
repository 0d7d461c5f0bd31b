import { z } from 'zod'

/** Who caused an event and how it links to the others of its job. */
export const EventMetadata = z.object({
  tenantId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  correlationId: z.string().min(1).max(200),
  causationId: z.string().min(1).max(200),
  occurredAt: z.iso.datetime(),
  traceparent: z.string().max(100).optional(),
})
export type EventMetadata = z.infer<typeof EventMetadata>

/** The envelope every event and command travels in. `id` is deterministic so retried publishes dedupe. */
export function envelopeOf<T extends string, V extends number, D extends z.ZodType>(type: T, version: V, data: D) {
  return z.object({
    id: z.string().min(1).max(200),
    type: z.literal(type),
    version: z.literal(version),
    data,
    metadata: EventMetadata,
  })
}

/** The envelope before its data is known: used to route a raw message to its schema. */
export const RawEnvelope = z.object({
  id: z.string().min(1).max(200),
  type: z.string().min(1).max(100),
  version: z.number().int().min(1),
  data: z.unknown(),
  metadata: EventMetadata,
})
export type RawEnvelope = z.infer<typeof RawEnvelope>
