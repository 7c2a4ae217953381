import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { pino } from 'pino';
import { normalizeConfig, type Plugin, type RequestContext } from '@tollgate/core';
import { buildGateway, createTollgateServer, type TollgateServer } from '@tollgate/server';
import { COST_RECORDS, KEYS_ENGINE, keysPlugin, type CostView, type KeysEngine, type KeysPluginOptions } from '../src/index.js';
import { PG_URL, type StoreKind } from './helpers.js';

export const MASTER = 'sk-1234';
/** USD per token of the test price: 1e-6 in, 2e-6 out. */
export const IN = 1e-6;
export const OUT = 2e-6;

/**
 * A stand-in for @tollgate/plugin-cost's contract: a cost reader under its container token. Output
 * of a stream cut before its usage chunk is its event count, as the cost plugin estimates it.
 */
export const testCost: Plugin = {
  // Its package's name, so the server does not load the real one (which `database_url` calls for).
  name: '@tollgate/plugin-cost',
  apply(g) {
    const reader = (ctx: RequestContext): CostView | null => {
      if (ctx.outcome === 'pending') return null;
      const served = ctx.usage !== null || ctx.timings.firstToken > 0;
      if (!served) return { cost: 0, input_tokens: 0, output_tokens: 0, cached_tokens: 0, reasoning_tokens: 0 };
      const input = ctx.usage?.prompt_tokens ?? 10;
      const output = ctx.usage?.completion_tokens ?? ctx.streamEvents;
      return { cost: input * IN + output * OUT, input_tokens: input, output_tokens: output, cached_tokens: 0, reasoning_tokens: 0 };
    };
    g.container.register(COST_RECORDS, { useValue: reader });
  },
};

export const MODELS = [
  { model_name: 'gpt-4', litellm_params: { model: 'mock/gpt-4', mock_response: 'Hello from gpt-4' } },
  { model_name: 'gpt-3.5-turbo', litellm_params: { model: 'mock/gpt-3.5-turbo', mock_response: 'Hello from 3.5' } },
  { model_name: 'slow', litellm_params: { model: 'mock/slow', mock_response: 'one two three four five six seven eight', mock_stream_chunks: 8, mock_chunk_delay_ms: 150 } },
];

export interface KeysServer {
  url: string;
  app: TollgateServer;
  databaseUrl: string;
  /** fetch with the key as a Bearer token; JSON body when given. */
  call(method: string, path: string, key: string | null, body?: unknown): Promise<{ status: number; body: any; headers: Headers }>;
  chat(key: string, body?: Record<string, unknown>): Promise<{ status: number; body: any; headers: Headers }>;
  /** A key from /key/generate as the master key. */
  key(body?: Record<string, unknown>): Promise<string>;
  stop(): Promise<void>;
  /** Stops the server and drops its database. */
  close(): Promise<void>;
}

/** A database for one test: a SQLite file in a temp dir, or a PostgreSQL schema (Prisma's ?schema=, created by the plugin). */
export function testDatabase(kind: StoreKind): { url: string; drop(): Promise<void> } {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'tg-keys-plugin-'));
    return { url: join(dir, 'keys.db'), drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const schema = `tg_${randomBytes(6).toString('hex')}`;
  return {
    url: `${PG_URL}?schema=${schema}`,
    drop: async () => {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await c.end();
    },
  };
}

export interface ServerSetup {
  /** LiteLLM general_settings / litellm_settings (database_url and master_key are filled in). */
  general?: Record<string, unknown>;
  litellm?: Record<string, unknown>;
  models?: unknown[];
  options?: KeysPluginOptions;
  plugins?: Plugin[];
  databaseUrl?: string;
}

/** The reference server (buildGateway + createTollgateServer) with a LiteLLM-style config and the keys plugin. */
export async function keysServer(kind: StoreKind, setup: ServerSetup = {}): Promise<KeysServer> {
  const db = setup.databaseUrl ? { url: setup.databaseUrl, drop: async () => undefined } : testDatabase(kind);
  const raw: Record<string, unknown> = {
    model_list: setup.models ?? MODELS,
    general_settings: { master_key: MASTER, database_url: db.url, ...setup.general },
    ...(setup.litellm ? { litellm_settings: setup.litellm } : {}),
  };
  const { config, warnings } = normalizeConfig(raw);
  // The config's plugin list takes objects but not [object, options]: the options are bound here.
  const options = { spend_write_interval_ms: 3_600_000, ...setup.options };
  const keys = { ...keysPlugin, apply: (g: Parameters<typeof keysPlugin.apply>[0]) => keysPlugin.apply(g, options) };
  config.plugins = [...(setup.plugins ?? [testCost]), keys] as never[];
  const gateway = await buildGateway({ config, warnings, filepath: null, dir: process.cwd() }, { logger: pino({ level: 'silent' }) });
  const app = createTollgateServer(gateway, { requestLog: false });
  const { port } = await app.listen(0, '127.0.0.1');
  const url = `http://127.0.0.1:${port}`;
  const call: KeysServer['call'] = async (method, path, key, body) => {
    const res = await fetch(url + path, {
      method,
      headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // SSE or plain text stays a string.
    }
    return { status: res.status, body: parsed, headers: res.headers };
  };
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await app.close(2000);
  };
  return {
    url,
    app,
    databaseUrl: db.url,
    call,
    chat: (key, body = {}) => call('POST', '/v1/chat/completions', key, { model: 'gpt-4', messages: [{ role: 'user', content: 'Hello!' }], ...body }),
    key: async (body = {}) => {
      const r = await call('POST', '/key/generate', MASTER, body);
      if (r.status !== 200) throw new Error(`/key/generate ${r.status}: ${JSON.stringify(r.body)}`);
      return r.body.key as string;
    },
    stop,
    close: async () => {
      await stop();
      await db.drop();
    },
  };
}

/** The running engine behind a server (to flush spend before reading it). */
export function engineOf(s: KeysServer): KeysEngine {
  return s.app.gateway.container.resolve<KeysEngine>(KEYS_ENGINE);
}

/** Spend-log rows of requests, after writing what is pending. */
export async function spendLogs(s: KeysServer, query = ''): Promise<any[]> {
  await engineOf(s).flush();
  const r = await s.call('GET', `/spend/logs${query}`, MASTER);
  if (r.status !== 200) throw new Error(`/spend/logs ${r.status}: ${JSON.stringify(r.body)}`);
  return r.body;
}
