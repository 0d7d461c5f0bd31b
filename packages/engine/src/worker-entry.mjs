// Bootstrap for SweepPool workers: the engine runs from .ts source, and a worker thread does not
// reliably inherit the host's TypeScript loader (vitest transforms in-process; on Node 20 an
// `--import tsx/esm` in Worker execArgv is ignored for the worker's own imports). Registering
// tsx here works the same under vitest, `tsx` and `node --import tsx`.
import { register } from 'tsx/esm/api'

register()
await import('./worker.ts')
