import type * as S3Sdk from '@aws-sdk/client-s3'
import type { S3Client } from '@aws-sdk/client-s3'
import { DependencyUnavailable, NotFound, loadConfig } from '@zixly/platform'
import { mkdirSync, renameSync, writeFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { dirname, join, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { z } from 'zod'

/** Where large results go: a local folder by default, any S3-compatible bucket when configured. */
export interface ObjectStore {
  readonly description: string
  /** Stores an object; returns its URI (`file://…` or `s3://bucket/key`). */
  put(key: string, body: string | Uint8Array, contentType: string): Promise<string>
  get(key: string): Promise<Buffer>
}

const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url))

/** Keys are `{tenantId}/{jobId}/name`: no absolute paths, no `..`, no empty segments. */
function checkKey(key: string): string {
  if (!/^[A-Za-z0-9_-]+(\/[A-Za-z0-9_.-]+)*$/.test(key) || key.split('/').includes('..'))
    throw new Error(`invalid object key "${key}"`)
  return key
}

/** Objects as files under `root`; writes go to a temporary name and are renamed, so readers never see half a file. */
export function folderStore(root: string): ObjectStore {
  const base = resolve(root)
  const pathOf = (key: string) => {
    const p = resolve(base, checkKey(key))
    if (!p.startsWith(base + sep)) throw new Error(`invalid object key "${key}"`)
    return p
  }
  return {
    description: `folder ${base}`,
    // Synchronous on purpose: an object here is a small file on a local disk (the executor's archive:
    // a new folder, a file, a rename), and the same calls through fs/promises cost ~60 % more CPU
    // (~200 against ~125 µs per put), most of it handing each call to the thread pool and back.
    async put(key, body) {
      const p = pathOf(key)
      mkdirSync(dirname(p), { recursive: true })
      const tmp = `${p}.${process.pid}.${Date.now()}.tmp`
      writeFileSync(tmp, body)
      renameSync(tmp, p)
      return Promise.resolve(`file://${p}`)
    },
    async get(key) {
      try {
        return await readFile(pathOf(key))
      } catch (err) {
        if ((err as { code?: string }).code === 'ENOENT') throw new NotFound(`no object ${key}`)
        throw err
      }
    },
  }
}

export interface S3StoreOptions {
  bucket: string
  prefix?: string
  endpoint?: string
  region?: string
  forcePathStyle?: boolean
  credentials?: { accessKeyId: string; secretAccessKey: string }
  client?: S3Client
}

/** Objects in an S3 bucket (AWS, MinIO, LocalStack, …). */
export function s3Store(o: S3StoreOptions): ObjectStore {
  // The AWS SDK (~23 MB of RSS once loaded) is imported on first use, so a service on the local
  // folder store never loads it.
  let ready: Promise<{ client: S3Client; sdk: typeof S3Sdk }> | undefined
  const s3 = () =>
    (ready ??= import('@aws-sdk/client-s3').then((sdk) => ({
      sdk,
      client:
        o.client ??
        new sdk.S3Client({
          region: o.region ?? 'us-east-1',
          ...(o.endpoint === undefined ? {} : { endpoint: o.endpoint }),
          ...(o.forcePathStyle === undefined ? {} : { forcePathStyle: o.forcePathStyle }),
          ...(o.credentials === undefined ? {} : { credentials: o.credentials }),
        }),
    })))
  const full = (key: string) => (o.prefix ? `${o.prefix.replace(/\/$/, '')}/${checkKey(key)}` : checkKey(key))
  const where = `s3://${o.bucket}${o.endpoint ? ` at ${o.endpoint}` : ''}`
  return {
    description: where,
    async put(key, body, contentType) {
      try {
        const { client, sdk } = await s3()
        await client.send(new sdk.PutObjectCommand({ Bucket: o.bucket, Key: full(key), Body: body, ContentType: contentType }))
      } catch (err) {
        throw new DependencyUnavailable('object store', where, err)
      }
      return `s3://${o.bucket}/${full(key)}`
    },
    async get(key) {
      try {
        const { client, sdk } = await s3()
        const r = await client.send(new sdk.GetObjectCommand({ Bucket: o.bucket, Key: full(key) }))
        return Buffer.from(await r.Body!.transformToByteArray())
      } catch (err) {
        if ((err as { name?: string }).name === 'NoSuchKey') throw new NotFound(`no object ${key}`)
        throw new DependencyUnavailable('object store', where, err)
      }
    },
  }
}

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1')

/** Environment of the object store (the names the compose and Kubernetes manifests set). */
export const ObjectStoreConfig = z.object({
  /** S3 endpoint; empty means the local folder `OBJECT_STORE_DIR`. */
  OBJECT_STORE_URL: z.string().optional(),
  OBJECT_STORE_BUCKET: z.string().default('zixly-pipeline-results'),
  OBJECT_STORE_REGION: z.string().default('us-east-1'),
  OBJECT_STORE_ACCESS_KEY_ID: z.string().optional(),
  OBJECT_STORE_SECRET_ACCESS_KEY: z.string().optional(),
  OBJECT_STORE_FORCE_PATH_STYLE: bool.default(true),
  OBJECT_STORE_DIR: z.string().default(join(REPO_ROOT, '.zixly', 'objects')),
})
export type ObjectStoreConfig = z.infer<typeof ObjectStoreConfig>

/** The object store a configuration describes. */
export function objectStoreFrom(c: ObjectStoreConfig): ObjectStore {
  if (!c.OBJECT_STORE_URL) return folderStore(c.OBJECT_STORE_DIR)
  return s3Store({
    bucket: c.OBJECT_STORE_BUCKET,
    endpoint: c.OBJECT_STORE_URL,
    region: c.OBJECT_STORE_REGION,
    forcePathStyle: c.OBJECT_STORE_FORCE_PATH_STYLE,
    ...(c.OBJECT_STORE_ACCESS_KEY_ID && c.OBJECT_STORE_SECRET_ACCESS_KEY
      ? { credentials: { accessKeyId: c.OBJECT_STORE_ACCESS_KEY_ID, secretAccessKey: c.OBJECT_STORE_SECRET_ACCESS_KEY } }
      : {}),
  })
}

/** Reads `ObjectStoreConfig` from an environment. */
export function loadObjectStore(env: Record<string, string | undefined> = process.env): ObjectStore {
  return objectStoreFrom(loadConfig(ObjectStoreConfig, env))
}
