import { describe, expect, it } from 'vitest';
import type { ChatCompletionRequest } from '@tollgate/core';
import { checkRequest, compileGuardrails, MaskSession } from '@tollgate/plugin-guardrails';
import linkGuard from '../index.js';

const ask = (content: string): ChatCompletionRequest => ({ model: 'm', messages: [{ role: 'user', content }] });
const types = { 'tollgate-guardrail-example': (options: Record<string, unknown>) => linkGuard(options) };

describe('link guard, as configured in a guardrails list', () => {
  it('masks links outside the allow list and keeps allowed ones', async () => {
    const { guardrails } = compileGuardrails([{ name: 'links', type: 'tollgate-guardrail-example', options: { allow: ['example.com'] } }], { types });
    const req = ask('See https://docs.example.com/a and http://evil.test/x?y=1.');
    const r = await checkRequest(guardrails, { request: req, mode: 'pre_call', session: new MaskSession() });
    expect(r.changed).toBe(true);
    expect(req.messages[0].content).toBe('See https://docs.example.com/a and [LINK].');
  });

  it('blocks when configured to, without echoing the link', async () => {
    const { guardrails } = compileGuardrails([{ name: 'links', type: 'tollgate-guardrail-example', mode: 'during_call', options: { action: 'block' } }], { types });
    const r = await checkRequest(guardrails, { request: ask('go to https://evil.test'), mode: 'during_call', session: new MaskSession() });
    expect(r.block).toEqual({ guardrail: 'links', rule: 'link', reason: 'Links to domains outside the allow list are not permitted.' });
  });

  it('declares the modes it supports, so a config asking for another fails at start-up', () => {
    expect(() => compileGuardrails([{ name: 'links', type: 'tollgate-guardrail-example', mode: 'logging_only' }], { types }))
      .toThrow('guardrails[0].mode: this guardrail does not run in logging_only; it supports pre_call, during_call, post_call');
  });
});
