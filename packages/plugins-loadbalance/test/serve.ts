import { pino } from 'pino';
import { loadConfig, normalizeConfig, type Gateway, type Plugin, type TollgateConfig } from '@tollgate/core';
import { buildGateway, createTollgateServer } from '@tollgate/server';
import loadBalance from '@tollgate/plugin-loadbalance';

export interface Reply {
  status: number;
  headers: Headers;
  body: any;
  /** The deployment that answered (x-tollgate-deployment), or null. */
  deployment: string | null;
}

export interface Served {
  url: string;
  gateway: Gateway;
  /** Log lines at warn and above, as JSON. */
  logs: Array<{ level: number; msg: string }>;
  /** Groups of each finished request's attempts, in order (from `account`). */
  attempts: string[][];
  chat(body: Record<string, unknown>, headers?: Record<string, string>): Promise<Reply>;
  /** A streamed chat: the raw SSE text. */
  stream(body: Record<string, unknown>, headers?: Record<string, string>): Promise<{ status: number; headers: Headers; text: string }>;
  close(): Promise<void>;
}

export const user = (content: string) => ({ role: 'user', content });

/**
 * The reference server on 127.0.0.1 with the load balancer loaded, from a raw config (native or an
 * unchanged LiteLLM config.yaml, as an object), as `tollgate start` builds it.
 */
export async function serve(raw: Record<string, unknown>, plugins: Plugin[] = []): Promise<Served> {
  const { config, warnings } = normalizeConfig(raw, {});
  return serveConfig(config, warnings, plugins);
}

/** The same for a config file, read as `tollgate start --config FILE` reads it. */
export async function serveFile(file: string): Promise<Served> {
  const { config, warnings } = await loadConfig(file);
  return serveConfig(config, warnings, []);
}

async function serveConfig(config: TollgateConfig, warnings: string[], plugins: Plugin[]): Promise<Served> {
  const logs: Served['logs'] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => { logs.push(JSON.parse(line)); } });
  const attempts: string[][] = [];
  const recorder: Plugin = {
    name: 'test-attempt-recorder',
    apply(g) {
      g.hooks.account.tapPromise('test-attempt-recorder', async (ctx) => { attempts.push(ctx.attempts.map((a) => a.group)); });
    },
  };
  config.plugins = [...config.plugins, loadBalance as never, recorder as never, ...(plugins as never[])];
  const gateway = await buildGateway({ config, warnings, filepath: null, dir: process.cwd() }, { logger });
  const app = createTollgateServer(gateway, { requestLog: false });
  const addr = await app.listen(0, '127.0.0.1');
  const url = `http://127.0.0.1:${addr.port}`;
  const post = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ messages: [user('Hi')], ...body }) });
  return {
    url,
    gateway,
    logs,
    attempts,
    async chat(body, headers) {
      const res = await post(body, headers);
      return { status: res.status, headers: res.headers, body: await res.json(), deployment: res.headers.get('x-tollgate-deployment') };
    },
    async stream(body, headers) {
      const res = await post({ ...body, stream: true }, headers);
      return { status: res.status, headers: res.headers, text: await res.text() };
    },
    close: () => app.close(2000),
  };
}

/** The content of an answer. */
export const text = (r: Reply): string => r.body.choices?.[0]?.message?.content;

/** How many of `replies` each deployment answered. */
export function tally(replies: readonly Reply[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of replies) if (r.deployment) out[r.deployment] = (out[r.deployment] ?? 0) + 1;
  return out;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A strict mock OpenAI deployment's params. */
export const openaiAt = (url: string, model = 'gpt-4o-mini') => ({ model: `openai/${model}`, api_base: `${url}/v1`, api_key: 'sk-test' });
