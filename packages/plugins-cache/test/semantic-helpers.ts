import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';

export const REDIS_URL = 'redis://127.0.0.1:6379';

/** A d-dimensional vector at `angle` radians from the first axis, in the plane of the first two: cos(a - b) is the similarity. */
export function at(angle: number, d = 8, scale = 1): Float32Array {
  const v = new Float32Array(d);
  v[0] = Math.cos(angle) * scale;
  v[1] = Math.sin(angle) * scale;
  return v;
}

/** The i-th unit axis of d dimensions. */
export function axis(i: number, d = 8): Float32Array {
  const v = new Float32Array(d);
  v[i] = 1;
  return v;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Redis clients on the machine's Redis under one fresh prefix per test file, and the cleanup of both. */
export function redisFixture(name: string) {
  const prefix = `tg-test:cache-sem:${name}:${randomUUID()}:`;
  const clients: Redis[] = [];
  return {
    prefix,
    client(): Redis {
      const c = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
      clients.push(c);
      return c;
    },
    async keys(): Promise<string[]> {
      const admin = new Redis(REDIS_URL);
      try {
        return (await admin.keys(`${prefix}*`)).sort();
      } finally {
        admin.disconnect();
      }
    },
    async cleanup(): Promise<void> {
      const admin = new Redis(REDIS_URL);
      const keys = await admin.keys(`${prefix}*`);
      if (keys.length) await admin.del(...keys);
      await admin.quit();
      for (const c of clients.splice(0)) c.disconnect();
    },
  };
}
