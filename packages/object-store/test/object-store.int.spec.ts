import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3'
import S3rver from 's3rver'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { folderStore, objectStoreFrom, ObjectStoreConfig, type ObjectStore } from '../src/index.ts'

const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }
let dir: string
let s3rver: S3rver
let endpoint: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zixly-objects-'))
  s3rver = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: join(dir, 's3') })
  const { port } = await s3rver.run()
  endpoint = `http://127.0.0.1:${port}`
  const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials })
  await client.send(new CreateBucketCommand({ Bucket: 'results' }))
  client.destroy()
})
afterAll(async () => {
  await s3rver.close()
  await rm(dir, { recursive: true, force: true })
})

function roundTrip(name: string, open: () => ObjectStore, uri: RegExp) {
  describe(name, () => {
    it('stores an object under {tenant}/{job}/results.json and reads it back', async () => {
      const store = open()
      const body = JSON.stringify({ results: [1, 2, 3] })
      expect(await store.put('acme/7f0c/results.json', body, 'application/json')).toMatch(uri)
      expect((await store.get('acme/7f0c/results.json')).toString()).toBe(body)
    })
    it('refuses keys that could escape the store', async () => {
      await expect(open().put('../etc/passwd', 'x', 'text/plain')).rejects.toThrow(/invalid object key/)
      await expect(open().put('/abs/key', 'x', 'text/plain')).rejects.toThrow(/invalid object key/)
    })
    it('answers NotFound for a missing object', async () => {
      await expect(open().get('acme/none/results.json')).rejects.toMatchObject({ code: 'NOT_FOUND' })
    })
  })
}

describe('a local folder', () => {
  it('fails the put (a rejected promise, not a throw) when the folder cannot be made, and leaves no file', async () => {
    const root = join(dir, 'blocked')
    const store = folderStore(root)
    await store.put('acme/file', 'x', 'text/plain') // a file where the next put needs a folder
    const put = store.put('acme/file/results.json', 'y', 'application/json')
    await expect(put).rejects.toMatchObject({ code: expect.stringMatching(/^(ENOTDIR|EEXIST)$/) as unknown })
    expect(await readdir(join(root, 'acme'))).toEqual(['file'])
  })
})

roundTrip('a local folder', () => folderStore(join(dir, 'folder')), /^file:\/\/.*acme\/7f0c\/results\.json$/)
roundTrip(
  'an S3-compatible bucket (s3rver, through @aws-sdk/client-s3)',
  () =>
    objectStoreFrom(
      ObjectStoreConfig.parse({
        OBJECT_STORE_URL: endpoint,
        OBJECT_STORE_BUCKET: 'results',
        OBJECT_STORE_ACCESS_KEY_ID: credentials.accessKeyId,
        OBJECT_STORE_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      }),
    ),
  /^s3:\/\/results\/acme\/7f0c\/results\.json$/,
)
