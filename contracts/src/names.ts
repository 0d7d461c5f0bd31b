/** Default namespace: subjects start with it and streams are named without a prefix. */
export const DEFAULT_NAMESPACE = 'zixly'

/** A namespace, tenant id or job id must be one NATS subject token. */
export const SUBJECT_TOKEN = /^[A-Za-z0-9_-]{1,64}$/

/** The stream and subject names of one installation (or one isolated test). */
export interface Names {
  readonly namespace: string
  readonly eventsStream: string
  readonly commandsStream: string
  readonly eventSubjects: string
  readonly commandSubjects: string
  /** KV bucket for the idempotency and lease records kept by NATS itself. */
  readonly kvBucket: string
  eventSubject(tenantId: string, jobId: string): string
  tenantEventSubjects(tenantId: string): string
  runSweepSubject(tenantId: string): string
  changesSubject(tenantId: string): string
  readonly allChangesSubject: string
  /** Core-NATS subject on which ingest relays a Trading-API callback to the executor waiting for it. */
  callbackSubject(tenantId: string, jobId: string): string
}

function token(kind: string, value: string): string {
  if (!SUBJECT_TOKEN.test(value)) throw new Error(`${kind} "${value}" is not a valid subject token`)
  return value
}

/** Names for a namespace: `zixly` gives `EVENTS` / `COMMANDS`, anything else prefixes them. */
export function names(namespace: string = DEFAULT_NAMESPACE): Names {
  const ns = token('namespace', namespace)
  const prefix = ns === DEFAULT_NAMESPACE ? '' : `${ns.toUpperCase()}_`
  return {
    namespace: ns,
    eventsStream: `${prefix}EVENTS`,
    commandsStream: `${prefix}COMMANDS`,
    eventSubjects: `${ns}.evt.>`,
    commandSubjects: `${ns}.cmd.>`,
    kvBucket: `${prefix}ZIXLY_STATE`.replace(/^_/, ''),
    eventSubject: (tenantId, jobId) => `${ns}.evt.${token('tenant', tenantId)}.sweep.${token('job', jobId)}`,
    tenantEventSubjects: (tenantId) => `${ns}.evt.${token('tenant', tenantId)}.>`,
    runSweepSubject: (tenantId) => `${ns}.cmd.sweep.run.${token('tenant', tenantId)}`,
    changesSubject: (tenantId) => `${ns}.changes.${token('tenant', tenantId)}`,
    allChangesSubject: `${ns}.changes.>`,
    callbackSubject: (tenantId, jobId) => `${ns}.callbacks.${token('tenant', tenantId)}.${token('job', jobId)}`,
  }
}

/** Durable consumer names (readers that need strict order keep their own checkpoint instead). */
export const CONSUMERS = {
  executor: 'executor',
  notifier: 'notifier',
} as const

/** Keys of the KV bucket `Names.kvBucket`. */
export const KV_KEYS = {
  orchestratorCheckpoint: 'orchestrator.checkpoint',
} as const
