import { pino } from 'pino';
import { Gateway, makeCaller, normalizeConfig, type Caller, type Plugin, type RequestContext } from '@tollgate/core';
import mock from '@tollgate/adapter-mock';
import { buildGateway, createTollgateServer } from '@tollgate/server';
import OpenAI from 'openai';
import cachePlugin, { type CachePluginOptions } from '../src/index.js';

export const user = (content: string) => ({ role: 'user' as const, content });

/** What `account` saw of one request. */
export interface Seen {
  outcome: string;
  cache: string | undefined;
  key: string | undefined;
  attempts: number;
  collecting: boolean;
  requestChanged: boolean;
  warnings: string[];
  upstreamBody: Record<string, unknown> | null;
}

export interface LogLine { level: number; msg: string; [k: string]: unknown }

export interface TestGateway {
  gateway: Gateway;
  seen: Seen[];
  logs: LogLine[];
  last(): Seen;
  close(): Promise<void>;
}

export const MODELS = [
  { model_name: 'm', params: { model: 'mock/m' } },
  { model_name: 'other', params: { model: 'mock/other' } },
  { model_name: 'slow', params: { model: 'mock/slow', mock_response: 'one two three four five six seven eight', mock_stream_chunks: 8, mock_chunk_delay_ms: 40 } },
  { model_name: 'cut', params: { model: 'mock/cut', mock_fault: { cut_after_chunks: 2 } } },
  { model_name: 'broken', params: { model: 'mock/broken', mock_fault: { status: 500 } } },
  { model_name: 'embed', params: { model: 'mock/embed' } },
];

/** Records every request's outcome, cache headers and the body sent upstream. */
export function recorder(seen: Seen[]): Plugin {
  const bodies = new WeakMap<RequestContext, Record<string, unknown>>();
  return {
    name: 'test-recorder',
    apply(g) {
      g.hooks.transformRequest.tapPromise({ name: 'test-recorder', stage: 10_000, marksChanges: true }, async (req, ctx) => {
        bodies.set(ctx, req as Record<string, unknown>);
        return req;
      });
      g.hooks.account.tap('test-recorder', (ctx) => {
        if (ctx.internal) return;
        seen.push({
          outcome: ctx.outcome,
          cache: ctx.responseHeaders['x-tollgate-cache'],
          key: ctx.responseHeaders['x-tollgate-cache-key'],
          attempts: ctx.attempts.length,
          collecting: ctx.collecting,
          requestChanged: ctx.requestChanged,
          warnings: [...ctx.warnings],
          upstreamBody: bodies.get(ctx) ?? null,
        });
      });
    },
  };
}

/** A gateway composed in code: mock models, the cache with `options`, a recorder, and more plugins. */
export async function gatewayWith(options: CachePluginOptions = {}, more: { plugins?: Array<Plugin | [Plugin, unknown]>; settings?: Record<string, unknown>; models?: unknown[] } = {}): Promise<TestGateway> {
  const seen: Seen[] = [];
  const logs: LogLine[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => { logs.push(JSON.parse(line)); } });
  const gateway = new Gateway({ config: { model_list: (more.models ?? MODELS) as never, settings: more.settings ?? {} }, logger });
  await gateway.use(mock);
  await gateway.use(cachePlugin, options);
  await gateway.use(recorder(seen));
  for (const p of more.plugins ?? []) Array.isArray(p) ? await gateway.use(p[0], p[1]) : await gateway.use(p);
  await gateway.start();
  return { gateway, seen, logs, last: () => seen[seen.length - 1], close: () => gateway.close(1000) };
}

/** The account tap runs after the answer: wait until `n` requests were recorded. */
export async function settled(t: { seen: unknown[] }, n: number): Promise<void> {
  for (let i = 0; i < 200 && t.seen.length < n; i++) await new Promise((r) => setTimeout(r, 5));
}

export const keyCaller = (keyId: string, teamId: string | null = null, extra: Partial<Caller> = {}): Caller => makeCaller({ kind: 'key', keyId, teamId, ...extra });

export interface Served {
  url: string;
  gateway: Gateway;
  logs: LogLine[];
  client(key?: string): OpenAI;
  close(): Promise<void>;
}

/** The reference server from a raw config (native or LiteLLM's), as `tollgate start` builds it. */
export async function serve(raw: Record<string, unknown>, opts: { plugins?: Plugin[]; dir?: string } = {}): Promise<Served> {
  const { config, warnings } = normalizeConfig(raw, {});
  const logs: LogLine[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => { logs.push(JSON.parse(line)); } });
  config.plugins = [...config.plugins, ...((opts.plugins ?? []) as never[])];
  const gateway = await buildGateway({ config, warnings, filepath: null, dir: opts.dir ?? process.cwd() }, { logger });
  const app = createTollgateServer(gateway, { requestLog: false });
  const addr = await app.listen(0, '127.0.0.1');
  const url = `http://127.0.0.1:${addr.port}`;
  return {
    url,
    gateway,
    logs,
    client: (key = 'sk-none') => new OpenAI({ apiKey: key, baseURL: `${url}/v1`, maxRetries: 0 }),
    close: () => app.close(2000),
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
