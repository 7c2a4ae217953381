/**
 * An upstream that echoes the credential it received — in a 401, in a 400 and in an error event
 * inside a 200 stream — must never get it to the client or into a log line, whichever adapter,
 * and however the adapter found the key (config or environment).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, Gateway, type Plugin } from '@tollgate/core';
import openaiPlugin from '@tollgate/adapter-openai';
import anthropicPlugin from '../../adapters-anthropic/src/index.js';
import geminiPlugin from '../../adapters-gemini/src/index.js';
import { createTollgateServer, type TollgateServer } from '../src/index.js';

type Mode = '401' | '400' | 'stream';
let mode: Mode = '401';
const credentialOf = (req: IncomingMessage): string =>
  String(req.headers['x-api-key'] ?? req.headers['x-goog-api-key'] ?? req.headers['api-key'] ?? req.headers.authorization ?? '');

/** Answers in each provider's own error envelope, with the credential it got inside the message. */
function echo(req: IncomingMessage, res: ServerResponse): void {
  const key = credentialOf(req);
  const provider = req.url!.includes('/v1/messages') ? 'anthropic' : req.url!.includes('generateContent') ? 'gemini' : 'openai';
  const message = `key ${key} is not allowed here (you sent ${key})`;
  const body =
    provider === 'anthropic' ? { type: 'error', error: { type: mode === '401' ? 'authentication_error' : 'invalid_request_error', message } }
    : provider === 'gemini' ? { error: { code: Number(mode === 'stream' ? 500 : mode), message, status: mode === '401' ? 'UNAUTHENTICATED' : 'INVALID_ARGUMENT' } }
    : { error: { message, type: 'invalid_request_error', param: null, code: null } };
  if (mode !== 'stream') {
    res.writeHead(Number(mode), { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  if (provider === 'anthropic') res.end(`event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: 'api_error', message } })}\n\n`);
  else if (provider === 'gemini') res.end(`data: ${JSON.stringify([body][0])}\n\n`);
  else res.end(`data: ${JSON.stringify({ error: { message, type: 'server_error' } })}\n\n`);
}

// Keys that no generic key pattern recognises: only the adapters' declared secrets can catch them.
const KEYS = { openai: 'oa-echo-openai-0123456789abcdef', anthropic: 'ant-echo-env-0123456789abcdef', gemini: 'gm-echo-gemini-0123456789abcdef' };
let upstream: ReturnType<typeof createServer>;
let server: TollgateServer;
let base: string;
const logLines: string[] = [];

beforeAll(async () => {
  upstream = createServer((req, res) => { req.resume(); req.on('end', () => echo(req, res)); });
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  const up = `http://127.0.0.1:${(upstream.address() as { port: number }).port}`;
  // The Anthropic key comes from the environment only: it must still be a known secret.
  process.env.ANTHROPIC_API_KEY = KEYS.anthropic;
  const destination = new Writable({ write(line, _e, done) { logLines.push(String(line)); done(); } });
  const gateway = new Gateway({
    logger: createLogger({ level: 'debug', destination }),
    config: {
      model_list: [
        { model_name: 'openai', params: { model: 'openai/gpt-4o-mini', api_base: `${up}/v1`, api_key: KEYS.openai } },
        { model_name: 'anthropic', params: { model: 'anthropic/claude-sonnet-4-5', api_base: up } },
        { model_name: 'gemini', params: { model: 'gemini/gemini-2.5-flash', api_base: up, api_key: KEYS.gemini } },
      ],
    },
  });
  for (const p of [openaiPlugin, anthropicPlugin, geminiPlugin] as Plugin[]) await gateway.use(p);
  await gateway.start();
  server = createTollgateServer(gateway);
  base = `http://127.0.0.1:${(await server.listen(0)).port}`;
});
afterAll(async () => {
  delete process.env.ANTHROPIC_API_KEY;
  await server.close(1000);
  upstream.closeAllConnections();
  upstream.close();
});

async function call(path: string, body: object): Promise<{ status: number; text: string }> {
  const res = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, text: await res.text() };
}

describe.each(Object.entries(KEYS))('the %s adapter', (model, key) => {
  it.each(['401', '400', 'stream'] as Mode[])('scrubs a credential echoed in a %s, on the OpenAI and Anthropic inbound paths, and in every log line', async (m) => {
    mode = m;
    const stream = m === 'stream';
    const openai = await call('/v1/chat/completions', { model, stream, messages: [{ role: 'user', content: 'hi' }] });
    const anthropic = await call('/v1/messages', { model, max_tokens: 32, stream, messages: [{ role: 'user', content: 'hi' }] });
    for (const r of [openai, anthropic]) {
      expect(r.status).toBeGreaterThanOrEqual(stream ? 200 : 400);
      expect(r.text).toContain('is not allowed here');
      expect(r.text).not.toContain(key);
      expect(r.text).not.toContain(key.slice(0, 16));
    }
    await new Promise((r) => setTimeout(r, 150));
    expect(logLines.join('')).not.toContain(key.slice(0, 16));
  });
});
