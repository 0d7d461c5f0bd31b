import { readdir, readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type * as S3Sdk from '@aws-sdk/client-s3'
import type { S3Client } from '@aws-sdk/client-s3'
import { DependencyUnavailable } from '@zixly/platform'
import { z } from 'zod'

/** Where price files live. Every method throws `DependencyUnavailable` when the source does not answer. */
export interface PriceSource {
  /** Where it reads from, for messages (no credentials). */
  readonly description: string
  /** File names directly in the source; null when it cannot list (an HTTP base without `index.json`). */
  list(): Promise<string[] | null>
  /** A file's text; null when the file does not exist. */
  read(name: string): Promise<string | null>
}

/** The bundled pack: `data/prices` at the repository root. */
export const DEFAULT_PRICES_DIR = fileURLToPath(new URL('../../../data/prices/', import.meta.url))

export function folderSource(dir: string): PriceSource {
  const description = `folder ${dir}`
  return {
    description,
    async list() {
      try {
        return (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name)
      } catch (err) {
        throw new DependencyUnavailable('market data', description, err)
      }
    },
    async read(name) {
      try {
        return await readFile(resolve(dir, name), 'utf8')
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
        throw new DependencyUnavailable('market data', description, err)
      }
    },
  }
}

export interface HttpSourceOptions {
  fetch?: typeof fetch
  timeoutMs?: number
}

const IndexJson = z.array(z.string().min(1).max(200))

/** Files under an HTTP base URL; the listing is `index.json` there (an array of file names). */
export function httpSource(baseUrl: string, opts: HttpSourceOptions = {}): PriceSource {
  const base = new URL(baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`)
  const doFetch = opts.fetch ?? fetch
  const timeoutMs = opts.timeoutMs ?? 15_000
  const description = `${base.origin}${base.pathname}`
  const get = async (name: string): Promise<string | null> => {
    let res: Response
    try {
      res = await doFetch(new URL(encodeURIComponent(name), base), { signal: AbortSignal.timeout(timeoutMs) })
    } catch (err) {
      throw new DependencyUnavailable('market data', description, err)
    }
    if (res.status === 404 || res.status === 410) {
      await res.body?.cancel()
      return null
    }
    if (!res.ok) {
      await res.body?.cancel()
      throw new DependencyUnavailable('market data', description, new Error(`GET ${name} answered ${res.status}`))
    }
    try {
      return await res.text()
    } catch (err) {
      throw new DependencyUnavailable('market data', description, err)
    }
  }
  return {
    description,
    async list() {
      const text = await get('index.json')
      if (text === null) return null
      let parsed: unknown
      try {
        parsed = JSON.parse(text)
      } catch (err) {
        throw new DependencyUnavailable('market data', description, new Error(`index.json is not JSON`, { cause: err }))
      }
      const names = IndexJson.safeParse(parsed)
      if (!names.success)
        throw new DependencyUnavailable('market data', description, new Error('index.json must be an array of file names'))
      return names.data
    },
    read: get,
  }
}

export interface S3SourceOptions {
  endpoint?: string
  region?: string
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }
  forcePathStyle?: boolean
  /** A ready client (its settings win over the ones above). */
  client?: S3Client
}

/** Objects directly under `s3://bucket/prefix/`. */
export function s3Source(bucket: string, prefix: string, opts: S3SourceOptions = {}): PriceSource {
  const dirPrefix = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`
  // The AWS SDK (~23 MB of RSS once loaded) is imported on first use, so the default (bundled folder)
  // source never loads it.
  let ready: Promise<{ client: S3Client; sdk: typeof S3Sdk }> | undefined
  const s3 = () =>
    (ready ??= import('@aws-sdk/client-s3').then((sdk) => ({
      sdk,
      client:
        opts.client ??
        new sdk.S3Client({
          region: opts.region ?? 'us-east-1',
          ...(opts.endpoint !== undefined && { endpoint: opts.endpoint }),
          ...(opts.credentials !== undefined && { credentials: opts.credentials }),
          ...(opts.forcePathStyle !== undefined && { forcePathStyle: opts.forcePathStyle }),
        }),
    })))
  const description = `s3://${bucket}/${dirPrefix}`
  return {
    description,
    async list() {
      const names: string[] = []
      let token: string | undefined
      try {
        do {
          const { client, sdk } = await s3()
          const page = await client.send(
            new sdk.ListObjectsV2Command({ Bucket: bucket, Prefix: dirPrefix, Delimiter: '/', ContinuationToken: token }),
          )
          for (const o of page.Contents ?? []) {
            const name = o.Key?.slice(dirPrefix.length)
            if (name) names.push(name)
          }
          token = page.IsTruncated ? page.NextContinuationToken : undefined
        } while (token !== undefined)
      } catch (err) {
        throw new DependencyUnavailable('market data', description, err)
      }
      return names
    },
    async read(name) {
      try {
        const { client, sdk } = await s3()
        const out = await client.send(new sdk.GetObjectCommand({ Bucket: bucket, Key: dirPrefix + name }))
        return (await out.Body?.transformToString('utf-8')) ?? ''
      } catch (err) {
        const e = err as { name?: string; $metadata?: { httpStatusCode?: number } }
        if (e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404) return null
        throw new DependencyUnavailable('market data', description, err)
      }
    },
  }
}

/**
 * The source a `MARKET_DATA_URL` names: `s3://bucket/prefix`, `http(s)://base/`, a `file:` URL,
 * or a path (relative to the working directory). Empty means the bundled pack.
 */
export function sourceFromUrl(url: string | undefined, opts: { s3?: S3SourceOptions; http?: HttpSourceOptions } = {}) {
  if (url === undefined || url.trim() === '') return folderSource(DEFAULT_PRICES_DIR)
  if (url.startsWith('s3://')) {
    const u = new URL(url)
    if (u.hostname === '') throw new Error(`MARKET_DATA_URL ${url} names no bucket`)
    return s3Source(u.hostname, decodeURIComponent(u.pathname.replace(/^\//, '')), opts.s3)
  }
  if (/^https?:\/\//.test(url)) return httpSource(url, opts.http)
  if (url.startsWith('file:')) return folderSource(fileURLToPath(url))
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) throw new Error(`MARKET_DATA_URL scheme not supported: ${url}`)
  return folderSource(resolve(url))
}
