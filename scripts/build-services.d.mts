// Types of scripts/build-services.mjs for the TypeScript that imports it (bench/lib/stack.ts).
export const BUILD_DIR: string
export function bundlePath(service: string): string
export function bundleEntry(entry: string, outfile: string): Promise<string>
export function buildServices(services: readonly string[], outdir?: string): Promise<Record<string, string>>
export const SERVICE_NODE_OPTIONS: Readonly<Record<string, string>>
export function nodeOptionsEnv(service: string, inherited: string | undefined): { NODE_OPTIONS?: string }
