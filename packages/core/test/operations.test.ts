import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { adapterPlugin, bodyValidator, type OperationSpec, type Plugin, type ProviderAdapter } from '@tollgate/core';
import { gatewayWith } from './helpers.js';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
}

interface ClassifyRequest { model: string; text: string }
interface ClassifyResponse { label: string; usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number } }

/** An operation the core has never heard of, added by a plugin with an adapter that serves it. */
const classify: OperationSpec<ClassifyRequest, ClassifyResponse> = {
  name: 'classify',
  paths: ['/classify'],
  body: 'json',
  validate: bodyValidator<ClassifyRequest>({ type: 'object', required: ['model', 'text'], properties: { model: { type: 'string' }, text: { type: 'string' } } }),
  model: (r) => r.model,
  usage: (r) => r.usage,
  streams: () => false,
};

const classifier: ProviderAdapter<null> = {
  providers: ['labeler'],
  prepare: () => ({
    baseUrl: 'http://labeler.invalid',
    headers: {},
    wireFormat: 'labeler',
    framing: 'sse',
    state: null,
    transport: {
      async send(req) {
        const { text } = JSON.parse(req.body as string) as { text: string };
        const body = JSON.stringify({ label: text.includes('!') ? 'excited' : 'calm' });
        return { status: 200, headers: {}, body: (async function* () { yield new TextEncoder().encode(body); })(), text: async () => body, dump: async () => undefined };
      },
    },
  }),
  operations: {
    classify: {
      buildRequest: (r: ClassifyRequest) => ({ method: 'POST', url: 'http://labeler.invalid/classify', headers: {}, body: JSON.stringify({ text: r.text }) }),
      parseResponse: (body: unknown) => ({ label: (body as { label: string }).label, usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } }),
    },
  },
  mapError: () => { throw new Error('not reached'); },
};

describe('operations are a registry', () => {
  it('no core source branches on an operation name', () => {
    const offenders = sources(SRC).filter((f) => /\boperation\s*[!=]==?\s*['"`]|['"`]\s*[!=]==?\s*(ctx\.)?operation\b|case\s+['"`](chat|embeddings|completions|moderations|rerank)['"`]/.test(readFileSync(f, 'utf8')));
    expect(offenders.map((f) => path.relative(SRC, f))).toEqual([]);
  });

  it('a plugin adds an operation and an adapter serves it through the one pipeline (hooks and usage included)', async () => {
    const seen: string[] = [];
    const plugin: Plugin = {
      name: 'classify-op',
      apply(g) {
        g.registerOperation(classify);
        g.hooks.account.tapPromise('t', async (ctx) => { seen.push(`${ctx.operation}:${ctx.outcome}:${ctx.usage?.total_tokens}`); });
      },
    };
    const g = await gatewayWith([{ model_name: 'labels', params: { model: 'labeler/v1' } }, { model_name: 'm', params: { model: 'mock/echo' } }], [adapterPlugin('labeler-adapter', classifier), plugin]);
    try {
      expect(g.operations.get('classify')).toBe(classify);
      expect((await g.run('classify', { model: 'labels', text: 'wow!' })).response).toMatchObject({ label: 'excited' });
      expect(() => classify.validate({ model: 'labels' })).toThrow(expect.objectContaining({ status: 400, param: 'text' }));
      await expect(g.run('classify', { model: 'm', text: 'x' })).rejects.toMatchObject({ status: 400, code: 'unsupported_operation' });
      await expect.poll(() => seen).toEqual(['classify:ok:2', 'classify:error:undefined']);
    } finally {
      await g.close();
    }
  });
});
