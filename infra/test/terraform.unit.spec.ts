import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { loadTf, resolve, varRefs, type TfModule } from './support/terraform.ts'
import { INFRA, run, which } from './support/tools.ts'

const TF = join(INFRA, 'terraform')
const MODULES = ['storage', 'queue', 'secrets']
const ENVS = ['local', 'aws']
const mods: Record<string, TfModule> = {}
const envs: Record<string, TfModule> = {}

beforeAll(async () => {
  for (const m of MODULES) mods[m] = await loadTf(join(TF, 'modules', m))
  for (const e of ENVS) envs[e] = await loadTf(join(TF, 'envs', e))
})

type Obj = Record<string, unknown>
const one = <T = Obj>(xs: unknown): T => {
  expect(Array.isArray(xs) && xs.length === 1, JSON.stringify(xs)).toBe(true)
  return (xs as T[])[0]!
}

describe('terraform files', () => {
  it('has exactly the modules storage, queue, secrets and the environments local and aws', () => {
    expect(readdirSync(join(TF, 'modules')).sort()).toEqual([...MODULES].sort())
    expect(readdirSync(join(TF, 'envs')).sort()).toEqual([...ENVS].sort())
  })

  it('the HCL parser rejects a broken file (so parsing proves something)', async () => {
    const { parse } = await import('@cdktf/hcl2json')
    await expect(parse('bad.tf', 'resource "aws_s3_bucket" "x" {\n  bucket = \n')).rejects.toBeDefined()
  })

  it('every var.x a module or environment uses is declared there', () => {
    for (const m of [...Object.values(mods), ...Object.values(envs)])
      for (const v of varRefs(m.text)) expect(m.variable[v], `${m.dir}: var.${v}`).toBeDefined()
  })

  it('every module call points at a module, passes only its variables and all it requires', () => {
    for (const env of Object.values(envs)) {
      const calls = Object.entries(env.module)
      expect(calls.length, env.dir).toBeGreaterThanOrEqual(3)
      for (const [name, call] of calls) {
        const { source, ...args } = one<Obj & { source: string }>(call)
        const target = join(env.dir, source)
        expect(existsSync(target), `${name} → ${source}`).toBe(true)
        const mod = Object.values(mods).find((m) => m.dir === target)!
        expect(mod, `${name} → ${source}`).toBeDefined()
        for (const a of Object.keys(args))
          expect(mod.variable[a], `${name}: ${a} is not a variable of ${source}`).toBeDefined()
        for (const [v, [decl]] of Object.entries(mod.variable))
          if (!('default' in decl!)) expect(args, `${name} must pass ${v}`).toHaveProperty(v)
      }
      const sources = new Set(calls.map(([, c]) => one<{ source: string }>(c).source))
      for (const m of MODULES) expect(sources, `${env.dir} uses ${m}`).toContain(`../../modules/${m}`)
    }
  })

  it('pins the AWS provider to 5.x in both environments', () => {
    for (const env of Object.values(envs)) {
      const providers = one<{ required_providers: Array<{ aws: { source: string; version: string } }> }>(
        env.terraform,
      ).required_providers
      expect(providers[0]!.aws).toEqual({ source: 'hashicorp/aws', version: '~> 5.0' })
    }
  })

  it.runIf(which('terraform') !== null)('is formatted as terraform fmt wants it', () => {
    const r = run('terraform', ['fmt', '-check', '-recursive', TF])
    expect(r.status, r.output).toBe(0)
  })
})

describe('storage module: the results bucket', () => {
  it('is versioned, encrypted and not public', () => {
    const m = mods.storage!
    expect(
      one<{ versioning_configuration: Obj[] }>(m.resource.aws_s3_bucket_versioning!.results)
        .versioning_configuration,
    ).toEqual([{ status: 'Enabled' }])
    expect(m.resource.aws_s3_bucket_server_side_encryption_configuration).toBeDefined()
    const pab = one<Obj>(m.resource.aws_s3_bucket_public_access_block!.results)
    for (const k of [
      'block_public_acls',
      'block_public_policy',
      'ignore_public_acls',
      'restrict_public_buckets',
    ])
      expect(pab[k], k).toBe(true)
  })

  it.each(ENVS)(
    'archives results after 30 days and deletes them after 365 (as envs/%s calls it)',
    (envName) => {
      const m = mods.storage!
      const { source: _s, ...args } = one<Obj & { source: string }>(envs[envName]!.module.storage)
      const lc = one<{ rule: Obj[] }>(m.resource.aws_s3_bucket_lifecycle_configuration!.results)
      const rule = one<Obj>(lc.rule)
      expect(rule.status).toBe('Enabled')
      const transition = one<Obj>(rule.transition)
      expect(resolve(m, transition.days, args)).toBe(30)
      expect(['GLACIER', 'DEEP_ARCHIVE', 'GLACIER_IR']).toContain(resolve(m, transition.storage_class, args))
      expect(resolve(m, one<Obj>(rule.expiration).days, args)).toBe(365)
      expect(resolve(m, one<Obj>(rule.noncurrent_version_transition).noncurrent_days, args)).toBe(30)
      expect(resolve(m, one<Obj>(rule.noncurrent_version_expiration).noncurrent_days, args)).toBe(365)
    },
  )
})

describe('queue module: SQS with a dead-letter queue', () => {
  it('redrives to its own DLQ after a bounded number of receives', () => {
    const m = mods.queue!
    const main = one<Obj>(m.resource.aws_sqs_queue!.main)
    const policy = main.redrive_policy as string
    expect(policy).toMatch(/jsonencode\(/)
    expect(policy).toMatch(/deadLetterTargetArn\s*=\s*aws_sqs_queue\.dlq\.arn/)
    const count = /maxReceiveCount\s*=\s*var\.([a-z_]+)/.exec(policy)![1]!
    expect(resolve(m, `\${var.${count}}`)).toBeGreaterThan(0)
    const dlq = one<Obj>(m.resource.aws_sqs_queue!.dlq)
    expect(dlq.name).toBe('${var.queue_name}-dlq')
    expect(resolve(m, dlq.message_retention_seconds)).toBeGreaterThanOrEqual(
      resolve(m, main.message_retention_seconds) as number,
    )
    const allow = one<Obj>(m.resource.aws_sqs_queue_redrive_allow_policy!.dlq).redrive_allow_policy as string
    expect(allow).toMatch(/sourceQueueArns\s*=\s*\[aws_sqs_queue\.main\.arn\]/)
  })
})

describe('secrets module: Secrets Manager', () => {
  it('creates the secret and sets a value only when one is given', () => {
    const m = mods.secrets!
    expect(m.resource.aws_secretsmanager_secret!.this).toBeDefined()
    expect(one<Obj>(m.resource.aws_secretsmanager_secret_version!.this).count).toBe(
      '${var.secret_string == null ? 0 : 1}',
    )
    expect(one<{ sensitive?: boolean }>(m.variable.secret_string).sensitive).toBe(true)
  })
})

describe('environments', () => {
  it('local talks to LocalStack for S3, SQS and Secrets Manager with its dummy credentials', () => {
    const env = envs.local!
    const p = one<Obj>(env.provider.aws)
    const endpoints = one<Record<string, string>>(p.endpoints)
    for (const svc of ['s3', 'sqs', 'secretsmanager'])
      expect(resolve(env, endpoints[svc]), svc).toBe('http://localhost:4566')
    expect(p).toMatchObject({
      access_key: 'test',
      secret_key: 'test',
      skip_credentials_validation: true,
      s3_use_path_style: true,
    })
  })

  it('aws uses the real endpoints and never a static credential', () => {
    const p = one<Obj>(envs.aws!.provider.aws)
    expect(p.endpoints).toBeUndefined()
    expect(p.access_key).toBeUndefined()
    expect(p.secret_key).toBeUndefined()
    expect(envs.aws!.text).not.toMatch(/AKIA[0-9A-Z]{16}/)
  })
})
