import { readFile } from 'node:fs/promises'
import { join } from 'node:path'

/** Where secrets come from. Every adapter answers `undefined` for a secret it does not hold. */
export interface SecretsProvider {
  readonly name: string
  get(name: string): Promise<string | undefined>
}

type Env = Record<string, string | undefined>

/** Secrets from environment variables of the same name. */
export function envSecrets(env: Env = process.env): SecretsProvider {
  return { name: 'env', get: async (n) => (env[n] === '' ? undefined : env[n]) }
}

/**
 * Secrets from files: `<NAME>_FILE=/path` (the Docker / Kubernetes convention), else `<dir>/<NAME>`
 * when a directory is given (a mounted secret volume). Trailing newlines are dropped.
 */
export function fileSecrets(opts: { env?: Env; dir?: string } = {}): SecretsProvider {
  const env = opts.env ?? process.env
  return {
    name: 'file',
    async get(n) {
      const path = env[`${n}_FILE`] ?? (opts.dir ? join(opts.dir, n) : undefined)
      if (!path) return undefined
      try {
        return (await readFile(path, 'utf8')).replace(/\r?\n$/, '')
      } catch (err) {
        if ((err as { code?: unknown }).code === 'ENOENT' && !env[`${n}_FILE`]) return undefined
        throw new Error(`cannot read secret ${n} from ${path}: ${(err as Error).message}`)
      }
    },
  }
}

/** The one call of the AWS SDK we use, so tests can pass a stand-in client. */
export interface SecretsManagerLike {
  send(command: { input: { SecretId?: string | undefined } }): Promise<{ SecretString?: string | undefined }>
}

/**
 * Secrets from one AWS Secrets Manager secret holding a JSON object (`{"CALLBACK_SECRET": "…"}`),
 * fetched once. The SDK is loaded only when this adapter is used.
 */
export function awsSecrets(opts: { secretId: string; region?: string; client?: SecretsManagerLike }): SecretsProvider {
  let values: Promise<Record<string, unknown>> | undefined
  const load = async (): Promise<Record<string, unknown>> => {
    let client = opts.client
    let command: { input: { SecretId?: string | undefined } } = { input: { SecretId: opts.secretId } }
    if (!client) {
      const sdk = await import('@aws-sdk/client-secrets-manager')
      client = new sdk.SecretsManagerClient(opts.region ? { region: opts.region } : {})
      command = new sdk.GetSecretValueCommand({ SecretId: opts.secretId })
    }
    const out = await client.send(command)
    if (!out.SecretString) throw new Error(`AWS secret ${opts.secretId} has no string value`)
    try {
      const parsed: unknown = JSON.parse(out.SecretString)
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>
    } catch {
      // fall through
    }
    throw new Error(`AWS secret ${opts.secretId} must be a JSON object of NAME: value`)
  }
  return {
    name: 'aws',
    async get(n) {
      values ??= load()
      const v = (await values)[n]
      return typeof v === 'string' && v !== '' ? v : undefined
    },
  }
}

/** The first provider that holds a secret wins. */
export function chainSecrets(...providers: SecretsProvider[]): SecretsProvider {
  return {
    name: providers.map((p) => p.name).join('>'),
    async get(n) {
      for (const p of providers) {
        const v = await p.get(n)
        if (v !== undefined) return v
      }
      return undefined
    },
  }
}

/** The providers the environment asks for: env, then files, then AWS when `SECRETS_AWS_SECRET_ID` is set. */
export function secretsFromEnv(env: Env = process.env): SecretsProvider {
  const providers = [envSecrets(env), fileSecrets({ env, ...(env.SECRETS_DIR ? { dir: env.SECRETS_DIR } : {}) })]
  if (env.SECRETS_AWS_SECRET_ID)
    providers.push(awsSecrets({ secretId: env.SECRETS_AWS_SECRET_ID, ...(env.AWS_REGION ? { region: env.AWS_REGION } : {}) }))
  return chainSecrets(...providers)
}

/**
 * The environment with `names` filled in from the providers, ready for `loadConfig`: a service
 * resolves its secrets once at start, and the rest of its code sees plain settings.
 */
export async function resolveSecrets(names: readonly string[], env: Env = process.env, provider = secretsFromEnv(env)): Promise<Env> {
  const out: Env = { ...env }
  for (const n of names) {
    const v = await provider.get(n)
    if (v !== undefined) out[n] = v
  }
  return out
}
