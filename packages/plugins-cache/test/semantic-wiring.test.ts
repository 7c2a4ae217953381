import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { STAGE_DEFAULT, type ChatCompletion, type Plugin } from '@tollgate/core';
import { gatewayWith, keyCaller, settled, sleep, user, type TestGateway } from './helpers.js';

const FRANCE = 'What is the capital of France?';
const FRANCE_AGAIN = "Tell me France's capital city";
const BREAD = 'How do I bake bread?';

/** The embeddings model answers chosen vectors: cos(FRANCE, FRANCE_AGAIN) = 0.96, BREAD is orthogonal. */
const VECTORS: Record<string, number[]> = {
  [`user: ${FRANCE}`]: [1, 0, 0, 0],
  [`user: ${FRANCE_AGAIN}`]: [0.96, 0.28, 0, 0],
  [`user: ${BREAD}`]: [0, 0, 1, 0],
};

function vectors(embedded: string[]): Plugin {
  return {
    name: 'test-vectors',
    apply(g) {
      g.hooks.transformResponse.tapPromise({ name: 'test-vectors', stage: STAGE_DEFAULT }, async (res: any, ctx) => {
        if (ctx.operation !== 'embeddings' || !ctx.internal) return res;
        const input = String(ctx.request.input);
        embedded.push(input);
        if (VECTORS[input]) res.data[0].embedding = VECTORS[input];
        return res;
      });
    },
  };
}

let t: TestGateway;
let embedded: string[];
afterEach(async () => t?.close());

const ask = (content: string, extra: Record<string, unknown> = {}, opts: Record<string, unknown> = {}) =>
  t.gateway.chat({ model: 'm', messages: [user(content)], ...extra } as never, opts) as Promise<ChatCompletion>;

async function semanticGateway(options: Record<string, unknown> = {}) {
  embedded = [];
  t = await gatewayWith({ type: 'local-semantic', similarity_threshold: 0.9, redis_semantic_cache_embedding_model: 'embed', ...options }, { plugins: [vectors(embedded)] });
}

describe('semantic cache, wired', () => {
  it('answers a differently worded prompt above the threshold from the stored answer', async () => {
    await semanticGateway();
    const first = await ask(FRANCE);
    await sleep(10);
    const second = await ask(FRANCE_AGAIN);
    await settled(t, 2);
    expect(t.seen.map((s) => [s.outcome, s.cache])).toEqual([['ok', 'store'], ['cache_hit', 'hit']]);
    expect(second).toEqual(first);
    expect(t.seen[1].key).toBe(t.seen[0].key);
    expect(embedded).toEqual([`user: ${FRANCE}`, `user: ${FRANCE_AGAIN}`]);
  });

  it('misses below the threshold', async () => {
    await semanticGateway({ similarity_threshold: 0.99 });
    await ask(FRANCE);
    await sleep(10);
    await ask(FRANCE_AGAIN);
    await ask(BREAD);
    await settled(t, 3);
    expect(t.seen.map((s) => s.cache)).toEqual(['store', 'store', 'store']);
  });

  it('an exact hit needs no embedding', async () => {
    await semanticGateway();
    await ask(FRANCE);
    await sleep(10);
    await ask(FRANCE);
    await settled(t, 2);
    expect(t.last().cache).toBe('hit');
    expect(embedded).toHaveLength(1);
  });

  it('never matches across tenants or different parameters', async () => {
    await semanticGateway();
    await ask(FRANCE, {}, { caller: keyCaller('a') });
    await sleep(10);
    await ask(FRANCE_AGAIN, {}, { caller: keyCaller('b') });
    await ask(FRANCE_AGAIN, { temperature: 0 }, { caller: keyCaller('a') });
    await ask(FRANCE_AGAIN, {}, { caller: keyCaller('a') });
    await settled(t, 4);
    expect(t.seen.map((s) => s.cache)).toEqual(['store', 'store', 'store', 'hit']);
  });

  it('an embedding model that fails leaves the exact cache working and the request answered', async () => {
    await semanticGateway({ redis_semantic_cache_embedding_model: 'broken' });
    await ask(FRANCE);
    await ask(FRANCE_AGAIN);
    await ask(FRANCE);
    await settled(t, 3);
    expect(t.seen.map((s) => [s.outcome, s.cache])).toEqual([['ok', 'store'], ['ok', 'store'], ['cache_hit', 'hit']]);
    expect(t.logs.filter((l) => /embedding the prompt failed/.test(l.msg))).toHaveLength(1);
  });

  it('redis-semantic shares the index and the entries between two gateways', async () => {
    const namespace = `tg-sem-${randomBytes(4).toString('hex')}`;
    const options = { type: 'redis-semantic', host: '127.0.0.1', port: 6379, namespace, similarity_threshold: 0.9, redis_semantic_cache_embedding_model: 'embed' };
    embedded = [];
    t = await gatewayWith(options as never, { plugins: [vectors(embedded)] });
    const other = await gatewayWith(options as never, { plugins: [vectors(embedded)] });
    try {
      const first = await ask(FRANCE);
      await sleep(50);
      const second = await other.gateway.chat({ model: 'm', messages: [user(FRANCE_AGAIN)] });
      await settled(other, 1);
      expect(other.last()).toMatchObject({ outcome: 'cache_hit', cache: 'hit' });
      expect(second).toEqual(first);
    } finally {
      await other.close();
      const admin = new Redis({ host: '127.0.0.1', port: 6379 });
      const keys = [...(await admin.keys(`tollgate:cache:${namespace}:*`)), ...(await admin.keys(`*${namespace}*`))];
      if (keys.length) await admin.del(...new Set(keys));
      admin.disconnect();
    }
  });
});
