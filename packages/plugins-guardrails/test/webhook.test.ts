import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatCompletionRequest } from '@tollgate/core';
import { checkRequest, compileGuardrails, MaskSession } from '@tollgate/plugin-guardrails';
import { startGuardService, type GuardService } from './guard-service.js';

/** A guardrail service on 127.0.0.1 that answers by a text's command word. */
let service: GuardService;
let base: string;
let received: GuardService['received'];

beforeAll(async () => {
  service = await startGuardService();
  base = service.url;
  received = service.received;
});

afterAll(async () => {
  await service.close();
});

const ask = (...texts: string[]): ChatCompletionRequest => ({ model: 'm', messages: texts.map((content) => ({ role: 'user' as const, content })) });

function webhook(onError: 'fail_open' | 'fail_closed', url = `${base}/check`) {
  return compileGuardrails([{ name: 'ext', type: 'webhook', options: { url, timeout_ms: 300, on_error: onError, headers: { 'x-token': 't1' }, params: { threshold: 0.8 } } }]).guardrails;
}

async function run(guards: ReturnType<typeof webhook>, req: ChatCompletionRequest) {
  return checkRequest(guards, { request: req, mode: 'pre_call', session: new MaskSession(), requestId: 'req-1', caller: { user_api_key_alias: 'team-a' } });
}

describe('webhook guardrail', () => {
  it('posts the documented contract and passes on NONE', async () => {
    received.length = 0;
    const r = await run(webhook('fail_closed'), ask('hello', 'world'));
    expect(r.block).toBeUndefined();
    expect(received[0].url).toBe('/check');
    expect(received[0].headers['x-token']).toBe('t1');
    expect(received[0].body).toEqual({
      texts: ['hello', 'world'], input_type: 'request', request_data: { user_api_key_alias: 'team-a' }, litellm_call_id: 'req-1',
      additional_provider_specific_params: { threshold: 0.8 },
    });
  });

  it('blocks with the service reason on BLOCKED', async () => {
    expect((await run(webhook('fail_open'), ask('block me'))).block).toEqual({ guardrail: 'ext', rule: 'webhook', reason: 'Policy 7 forbids this.' });
  });

  it('rewrites the request texts on GUARDRAIL_INTERVENED', async () => {
    const req = ask('rewrite my secret', 'another secret');
    const r = await run(webhook('fail_closed'), req);
    expect(r.changed).toBe(true);
    expect(req.messages.map((m) => m.content)).toEqual(['rewrite my [HIDDEN]', 'another [HIDDEN]']);
  });

  for (const [what, text] of [['a timeout', 'slow'], ['a 500', 'err500'], ['bad JSON', 'badjson'], ['an answer without action', 'noaction'], ['texts of the wrong count', 'wrongcount']] as const) {
    it(`fails closed on ${what}, and lets the request through when fail_open`, async () => {
      const closed = await run(webhook('fail_closed'), ask(`${text} x`));
      expect(closed.block).toEqual({ guardrail: 'ext', rule: 'webhook_error', reason: 'The guardrail service could not be reached or gave no usable answer.' });
      const open = await run(webhook('fail_open'), ask(`${text} x`));
      expect(open.block).toBeUndefined();
    });
  }

  it('fails closed or open when nothing listens', async () => {
    const dead = `http://127.0.0.1:${await freePort()}/check`;
    expect((await run(webhook('fail_closed', dead), ask('hi'))).block?.rule).toBe('webhook_error');
    expect((await run(webhook('fail_open', dead), ask('hi'))).block).toBeUndefined();
  });
});

describe("LiteLLM's generic_guardrail_api", () => {
  const generic = (fallback: 'fail_open' | 'fail_closed') => compileGuardrails([{
    guardrail_name: 'g', litellm_params: { guardrail: 'generic_guardrail_api', mode: 'pre_call', api_base: base, api_key: 'k-123', unreachable_fallback: fallback, timeout: 0.3 },
  }]).guardrails;

  it('posts to api_base + /beta/litellm_basic_guardrail_api with the api key as a bearer token', async () => {
    received.length = 0;
    await run(generic('fail_closed'), ask('hi'));
    expect(received[0].url).toBe('/beta/litellm_basic_guardrail_api');
    expect(received[0].headers.authorization).toBe('Bearer k-123');
  });

  it('fail_open lets through only an unreachable service (timeout, 503), not a 500 or bad JSON', async () => {
    const g = generic('fail_open');
    expect((await run(g, ask('slow x'))).block).toBeUndefined();
    expect((await run(g, ask('err503 x'))).block).toBeUndefined();
    expect((await run(g, ask('err500 x'))).block?.rule).toBe('webhook_error');
    expect((await run(g, ask('badjson x'))).block?.rule).toBe('webhook_error');
  });
});

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}
