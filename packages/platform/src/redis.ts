import { Redis } from 'ioredis'
import { DependencyUnavailable } from './errors.ts'
import { where } from './config.ts'

export type { Redis }

/** Connects to Redis, or fails with one line saying where it looked. */
export async function connectRedis(url: string): Promise<Redis> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2, connectTimeout: 3000, enableOfflineQueue: true })
  redis.on('error', () => {})
  try {
    await redis.connect()
    await redis.ping()
  } catch (err) {
    redis.disconnect()
    throw new DependencyUnavailable('Redis', where(url), err)
  }
  return redis
}
