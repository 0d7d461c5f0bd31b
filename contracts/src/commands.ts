import { z } from 'zod'
import { EventMetadata } from './envelope.ts'
import { SweepParams } from './sweep.ts'

/** Work for an executor: run one attempt of a sweep. */
export const RunSweep = z.object({
  id: z.string().min(1).max(200),
  type: z.literal('RunSweep'),
  version: z.literal(1),
  data: z.object({
    job_id: z.uuid(),
    attempt: z.number().int().min(1),
    params: SweepParams,
    /** Epoch ms after which the attempt must stop. */
    deadline_at: z.number().int().positive().optional(),
  }),
  metadata: EventMetadata,
})
export type RunSweep = z.infer<typeof RunSweep>
