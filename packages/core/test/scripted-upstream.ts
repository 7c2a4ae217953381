import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { once } from 'node:events';

/** One step of a scripted answer: wait, then write bytes (or end). */
export type Step = { wait?: number; write?: string; end?: boolean; destroy?: boolean };

/** How the upstream answers one request. */
export interface Script {
  status?: number;
  headers?: Record<string, string>;
  /** Wait before the head is written. */
  headDelay?: number;
  steps: Step[];
}

export interface ScriptedUpstream {
  url: string;
  /** Scripts for the next requests, in order; the last one repeats. */
  queue(...scripts: Script[]): void;
  /** Requests received, with when they arrived (performance.now()). */
  received: Array<{ path: string; at: number; body: string; closedEarly: boolean }>;
  /** Sockets still open to the gateway. */
  openSockets(): number;
  close(): Promise<void>;
}

export const chunk = (content: string, finish: string | null = null, extra: Record<string, unknown> = {}) =>
  `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: finish ? {} : { content }, finish_reason: finish }], ...extra })}\n\n`;
export const usageChunk = (prompt = 3, completion = 2) =>
  `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [], usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion } })}\n\n`;
export const completion = (content: string) => JSON.stringify({ id: 'c1', object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop', logprobs: null }], usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A real HTTP server on 127.0.0.1 that answers OpenAI-format requests by script (timing included). */
export async function startScriptedUpstream(): Promise<ScriptedUpstream> {
  let scripts: Script[] = [];
  const received: ScriptedUpstream['received'] = [];
  const sockets = new Set<import('node:net').Socket>();
  const server: Server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    for await (const c of req) body += c;
    const record = { path: req.url ?? '', at: performance.now(), body, closedEarly: false };
    received.push(record);
    res.on('close', () => { if (!res.writableFinished) record.closedEarly = true; });
    const script = scripts.length > 1 ? scripts.shift()! : scripts[0];
    if (script.headDelay) await sleep(script.headDelay);
    res.writeHead(script.status ?? 200, { 'content-type': 'text/event-stream', ...script.headers });
    res.flushHeaders();
    for (const step of script.steps) {
      if (step.wait) await sleep(step.wait);
      if (res.destroyed) return;
      if (step.destroy) { res.destroy(); return; }
      if (step.write !== undefined) res.write(step.write);
      if (step.end) { res.end(); return; }
    }
  });
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    queue: (...s) => { scripts = s; },
    received,
    openSockets: () => sockets.size,
    close: async () => { server.closeAllConnections(); server.close(); },
  };
}
