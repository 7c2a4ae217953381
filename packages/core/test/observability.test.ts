import { describe, expect, it } from 'vitest';
import { makeCaller, requestRecord, type RequestContext, type UpstreamRequest } from '@tollgate/core';
import { gatewayWith, settle, silent, user } from './helpers.js';

describe('ctx.upstreamHeaders', () => {
  it('go upstream with the attempt that set them, and never into another request (adapters share one headers object)', async () => {
    const sent: UpstreamRequest[] = [];
    const g = await gatewayWith([{ model_name: 'm', params: { model: 'mock/m' } }], [{
      name: 'trace',
      apply(gw) {
        gw.hooks.transformRequest.tap({ name: 'trace', marksChanges: true }, (req, ctx) => {
          if (req.messages[0].content === 'traced') ctx.upstreamHeaders = { traceparent: `00-${ctx.id}` };
          return req;
        });
        gw.hooks.send.tap('record', (up) => { sent.push(up); return undefined; });
      },
    }]);
    await g.chat({ model: 'm', messages: [user('traced')] }, { id: 'a' });
    await g.chat({ model: 'm', messages: [user('plain')] }, { id: 'b' });
    await g.chat({ model: 'm', messages: [user('traced')] }, { id: 'c' });
    expect(sent.map((u) => u.headers.traceparent)).toEqual(['00-a', undefined, '00-c']);
    expect(g.allDeployments()[0].prepared.headers.traceparent).toBeUndefined();
    await g.close();
  });
});

describe('a request pinned to a deployment', () => {
  it('makes one attempt there, whatever the group holds, and reports its failure', async () => {
    const seen: RequestContext[] = [];
    const g = await gatewayWith([
      { model_name: 'g', params: { model: 'mock/down', mock_fault: { status: 503 } }, model_info: { id: 'down' } },
      { model_name: 'g', params: { model: 'mock/up' }, model_info: { id: 'up' } },
    ], [{ name: 'acc', apply(gw) { gw.hooks.account.tap('acc', (ctx) => { seen.push(ctx); }); } }], { logger: silent });
    // Unpinned, the group fails over to the second deployment.
    await g.run('chat', { model: 'g', messages: [user('x')] });
    await expect(g.run('chat', { model: 'g', messages: [user('x')] }, { internal: true, deploymentId: 'down' })).rejects.toMatchObject({ status: 503 });
    await g.run('chat', { model: 'g', messages: [user('x')] }, { internal: true, deploymentId: 'up' });
    await expect(g.run('chat', { model: 'g', messages: [user('x')] }, { internal: true, deploymentId: 'nope' })).rejects.toMatchObject({ status: 404 });
    await settle();
    expect(seen.map((c) => c.attempts.map((a) => a.deploymentId))).toEqual([['down', 'up'], ['down'], ['up'], []]);
    expect(seen[1].caller.kind).toBe('internal');
    await g.close();
  });
});

describe('requestRecord', () => {
  it('names the caller by alias or a short hash of its key id, never the key, and carries bodies only when asked, redacted', async () => {
    const g = await gatewayWith([{ model_name: 'm', params: { model: 'mock/m', mock_usage: { prompt_tokens: 4, completion_tokens: 6 } } }]);
    const ctx = g.createContext('chat', { model: 'm', messages: [user('my key is sk-proj-abcdefghijklmnop')], api_key: 'sk-whatever-123456' } as never, { id: 'r1' });
    await g.execute(ctx);
    const r = requestRecord(ctx);
    expect(r).toMatchObject({ requestId: 'r1', operation: 'chat', model: 'm', modelGroup: 'm', deployment: 'm#0', provider: 'mock', status: 200, outcome: 'ok', attempts: 1, tokensIn: 4, tokensOut: 6, stream: false });
    expect(r.key).toBeUndefined();
    expect(r.request).toBeUndefined();
    const keyed = g.createContext('chat', { model: 'm', messages: [user('x')] }, { caller: makeCaller({ kind: 'key', keyId: 'hashed-key-id-0001' }) });
    const aliased = g.createContext('chat', { model: 'm', messages: [user('x')] }, { caller: makeCaller({ kind: 'key', keyId: 'hashed-key-id-0001', keyAlias: 'search-team' }) });
    expect(requestRecord(keyed).key).toMatch(/^[0-9a-f]{12}$/);
    expect(requestRecord(aliased).key).toBe('search-team');
    const withBodies = requestRecord(ctx, { bodies: true }) as { request: { messages: Array<{ content: string }>; api_key: string } };
    expect(withBodies.request.messages[0].content).toBe('my key is sk-[redacted]');
    expect(withBodies.request.api_key).toBe('[redacted]');
    await g.close();
  });
});
