import Anthropic from '@anthropic-ai/sdk';
import { Gateway, type ChatCompletionChunk } from '@tollgate/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockGemini, type MockGeminiServer } from '../../testing/src/gemini-mock.js';
import { startMockGoogleToken, type MockGoogleTokenServer } from '../../testing/src/google-token-mock.js';
import { vertexAnthropicHandler } from '../../testing/src/vertex-anthropic.js';
import { createTollgateServer } from '../../server/src/index.js';
import geminiPlugin from '../src/index.js';
import { failure, logger, serviceAccount } from './helpers.js';

describe('Claude on Vertex AI (rawPredict, Anthropic translation)', () => {
  let token: MockGoogleTokenServer;
  let mock: MockGeminiServer;
  let gateway: Gateway;
  beforeAll(async () => {
    const sa = serviceAccount();
    token = await startMockGoogleToken({ serviceAccount: sa });
    mock = await startMockGemini({ flavor: 'vertex', accessToken: token, project: 'proj-c', location: 'us-east5', anthropic: vertexAnthropicHandler() });
    gateway = new Gateway({
      logger,
      config: {
        model_list: [{
          model_name: 'claude',
          params: { model: 'vertex_ai/claude-sonnet-4@20250514', api_base: mock.url, vertex_project: 'proj-c', vertex_location: 'us-east5', vertex_credentials: sa, vertex_token_url: token.tokenUrl },
        }],
        router: { num_retries: 0 },
      },
    });
    await gateway.use(geminiPlugin);
    await gateway.start();
  });
  afterAll(async () => {
    await gateway.close();
    await mock.close();
    await token.close();
  });

  it('chat: rawPredict with anthropic_version in the body and no model', async () => {
    const res = await gateway.chat({ model: 'claude', messages: [{ role: 'system', content: 'Be terse.' }, { role: 'user', content: 'Hello Claude' }] });
    expect(res.choices[0].message.content).toBe('echo: Hello Claude');
    expect(res.choices[0].finish_reason).toBe('stop');
    expect(res.usage!.prompt_tokens).toBeGreaterThan(0);
    const sent = mock.requests.at(-1)!;
    expect(sent.path).toBe('/v1/projects/proj-c/locations/us-east5/publishers/anthropic/models/claude-sonnet-4@20250514:rawPredict');
    expect(sent.body.anthropic_version).toBe('vertex-2023-10-16');
    expect(sent.body.model).toBeUndefined();
    expect(sent.body.system).toEqual([{ type: 'text', text: 'Be terse.' }]);
    expect(String(sent.headers.authorization)).toMatch(/^Bearer ya29\.mock-/);
  });

  it('stream: streamRawPredict, Anthropic events become OpenAI chunks', async () => {
    const chunks: ChatCompletionChunk[] = [];
    for await (const c of await gateway.chat({ model: 'claude', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'stream please' }] })) chunks.push(c);
    expect(mock.requests.at(-1)!.path).toMatch(/:streamRawPredict$/);
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('echo: stream please');
    expect(chunks.find((c) => c.choices[0]?.finish_reason)!.choices[0].finish_reason).toBe('stop');
    expect(chunks.at(-1)!.usage).toBeTruthy();
  });

  it('tools round trip', async () => {
    const tools = [{ type: 'function' as const, function: { name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] } } }];
    const first = await gateway.chat({ model: 'claude', tools, tool_choice: 'required', messages: [{ role: 'user', content: 'find it' }] });
    const call = first.choices[0].message.tool_calls![0];
    expect(first.choices[0].finish_reason).toBe('tool_calls');
    const second = await gateway.chat({ model: 'claude', tools, messages: [{ role: 'user', content: 'find it' }, first.choices[0].message as never, { role: 'tool', tool_call_id: call.id, content: 'found' }] });
    expect(second.choices[0].message.content).toContain('found');
  });

  it('errors: Google envelope (auth, quota) and Anthropic envelope (the model) both map', async () => {
    mock.setNext({ kind: 'status', status: 429 });
    const quota = await failure(gateway.chat({ model: 'claude', messages: [{ role: 'user', content: 'x' }] }));
    expect([quota.status, quota.retryable]).toEqual([429, true]);
    mock.setNext({ kind: 'status', status: 400, body: JSON.stringify({ type: 'error', error: { type: 'invalid_request_error', message: 'messages: roles must alternate' } }) });
    const bad = await failure(gateway.chat({ model: 'claude', messages: [{ role: 'user', content: 'x' }] }));
    expect([bad.status, bad.message]).toEqual([400, 'Vertex AI (Claude): messages: roles must alternate']);
  });

  it('an Anthropic client (/v1/messages) passes through to Vertex losslessly, streamed and not', async () => {
    const server = createTollgateServer(gateway, { requestLog: false });
    const { port } = await server.listen(0, '127.0.0.1');
    try {
      const client = new Anthropic({ apiKey: 'unused', baseURL: `http://127.0.0.1:${port}`, maxRetries: 0 });
      const msg = await client.messages.create({ model: 'claude', max_tokens: 64, messages: [{ role: 'user', content: 'raw hello' }], metadata: { user_id: 'u-1' } });
      expect(msg.content).toEqual([{ type: 'text', text: 'echo: raw hello' }]);
      const sent = mock.requests.at(-1)!;
      // the client's own body, with Vertex's version instead of the model
      expect(sent.body).toEqual({ anthropic_version: 'vertex-2023-10-16', max_tokens: 64, messages: [{ role: 'user', content: 'raw hello' }], metadata: { user_id: 'u-1' } });
      let text = '';
      const stream = await client.messages.create({ model: 'claude', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'raw stream' }] });
      for await (const ev of stream) if (ev.type === 'content_block_delta' && ev.delta.type === 'text_delta') text += ev.delta.text;
      expect(text).toBe('echo: raw stream');
      expect(mock.requests.at(-1)!.path).toMatch(/:streamRawPredict$/);
    } finally {
      await server.close();
    }
  });
});
