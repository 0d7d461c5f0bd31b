import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BaseConfig, loadConfig, secretSetting } from '@zixly/platform'
import { describe, expect, it } from 'vitest'
import { awsSecrets, chainSecrets, envSecrets, fileSecrets, resolveSecrets } from '../src/secrets.ts'

describe('secrets providers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zixly-secrets-'))
  writeFileSync(join(dir, 'FROM_DIR'), 'dir-value\n')
  writeFileSync(join(dir, 'explicit'), 'file-value\n')

  it('read env, <NAME>_FILE and a secrets directory, env first', async () => {
    const env = { A: 'env-a', B_FILE: join(dir, 'explicit') }
    const p = chainSecrets(envSecrets(env), fileSecrets({ env, dir }))
    expect(await p.get('A')).toBe('env-a')
    expect(await p.get('B')).toBe('file-value')
    expect(await p.get('FROM_DIR')).toBe('dir-value')
    expect(await p.get('NOPE')).toBeUndefined()
  })
  it('fail with one line when a named secret file is missing', async () => {
    await expect(fileSecrets({ env: { X_FILE: join(dir, 'missing') } }).get('X')).rejects.toThrow(/cannot read secret X/)
  })
  it('read one JSON secret from AWS Secrets Manager, once', async () => {
    let calls = 0
    const client = {
      send: async (cmd: { input: { SecretId?: string | undefined } }) => {
        calls++
        expect(cmd.input.SecretId).toBe('zixly/prod')
        return { SecretString: JSON.stringify({ CALLBACK_SECRET: 'from-aws' }) }
      },
    }
    const p = awsSecrets({ secretId: 'zixly/prod', client })
    expect(await p.get('CALLBACK_SECRET')).toBe('from-aws')
    expect(await p.get('JWT_SECRET')).toBeUndefined()
    expect(calls).toBe(1)
  })
  it('fill an environment for loadConfig', async () => {
    const env = await resolveSecrets(['S'], { S_FILE: join(dir, 'explicit'), OTHER: 'x' })
    expect(env).toMatchObject({ S: 'file-value', OTHER: 'x' })
  })
})

describe('secret settings in production', () => {
  const Config = BaseConfig.extend({ TEST_SECRET: secretSetting('dev-only-default'), OPTIONAL_SECRET: secretSetting() })
  const strong = 'Zq8vN2xL0pR7tY4uW1sE9dF6gH3jK5mB'

  it('have their development default outside production', () => {
    expect(loadConfig(Config, { NODE_ENV: 'development' }).TEST_SECRET).toBe('dev-only-default')
  })
  it('refuse a missing secret in production with one line naming it', () => {
    expect(() => loadConfig(Config, { NODE_ENV: 'production' })).toThrow(/^invalid configuration: TEST_SECRET is required in production[^\n]*$/)
  })
  it('refuse a weak or default secret in production', () => {
    expect(() => loadConfig(Config, { NODE_ENV: 'production', TEST_SECRET: 'short' })).toThrow(/TEST_SECRET must be at least 32 characters/)
    expect(() => loadConfig(Config, { NODE_ENV: 'production', TEST_SECRET: 'a'.repeat(40) })).toThrow(/not random enough/)
    expect(() => loadConfig(Config, { NODE_ENV: 'production', TEST_SECRET: strong, OPTIONAL_SECRET: 'changeme' })).toThrow(/OPTIONAL_SECRET/)
  })
  it('accept a strong secret in production, and no optional one', () => {
    expect(loadConfig(Config, { NODE_ENV: 'production', TEST_SECRET: strong }).TEST_SECRET).toBe(strong)
  })
})
