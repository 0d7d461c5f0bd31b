// Types of scripts/docker.mjs for the TypeScript that imports it (test/support).
type Log = (line: string) => void
type Env = Record<string, string | undefined>
export interface Engine {
  /** DOCKER_HOST value of the engine. */
  readonly dockerHost: string
  /** True for the private daemon under ZIXLY_DOCKER_DIR (no registry: local images). */
  readonly private: boolean
  /** True when this call started the daemon. */
  readonly started: boolean
  /** Gives the engine back; resolves true when that stopped the daemon. */
  release(): Promise<boolean>
}
export function dockerHome(env?: Env): string
export function privateDockerHost(env?: Env): string
export function pingEngine(dockerHost: string, timeoutMs?: number): Promise<boolean>
export function ensureDockerPackages(opts?: { log?: Log }): string[]
export function startPrivateDaemon(opts?: { log?: Log; env?: Env }): Promise<{ dockerHost: string; started: boolean }>
export function stopPrivateDaemon(opts?: { log?: Log; env?: Env }): Promise<boolean>
export function acquireEngine(opts?: { log?: Log; env?: Env }): Promise<Engine>
