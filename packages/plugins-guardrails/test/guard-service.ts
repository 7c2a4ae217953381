import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GuardService {
  url: string;
  received: Array<{ url: string; headers: IncomingMessage['headers']; body: { texts: string[]; input_type: string; [k: string]: unknown } }>;
  close(): Promise<void>;
}

/**
 * A guardrail service on 127.0.0.1 speaking LiteLLM's Generic Guardrail API, answering by the
 * command word that starts any text: `block`, `rewrite` (secret -> [HIDDEN]), `wrongcount`,
 * `err500`, `err503`, `badjson`, `noaction`, `slow` (2 s); anything else passes.
 */
export async function startGuardService(): Promise<GuardService> {
  const received: GuardService['received'] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.headers['content-type'] !== 'application/json') {
        res.writeHead(405).end();
        return;
      }
      const body = JSON.parse(raw) as GuardService['received'][number]['body'];
      received.push({ url: req.url!, headers: req.headers, body });
      const cmd = body.texts.map((t) => t.split(' ')[0]).find((w) => COMMANDS.has(w));
      const json = (status: number, v: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(v));
      switch (cmd) {
        case 'block': return json(200, { action: 'BLOCKED', blocked_reason: 'Policy 7 forbids this.' });
        case 'rewrite': return json(200, { action: 'GUARDRAIL_INTERVENED', texts: body.texts.map((t) => t.replace(/secret/g, '[HIDDEN]')) });
        case 'wrongcount': return json(200, { action: 'GUARDRAIL_INTERVENED', texts: [] });
        case 'err500': return json(500, { error: 'boom' });
        case 'err503': return json(503, { error: 'busy' });
        case 'badjson': return res.writeHead(200, { 'content-type': 'application/json' }).end('{"action": "NO');
        case 'noaction': return json(200, { ok: true });
        case 'slow': return void setTimeout(() => json(200, { action: 'NONE' }), 2000);
        default: return json(200, { action: 'NONE' });
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

const COMMANDS = new Set(['block', 'rewrite', 'wrongcount', 'err500', 'err503', 'badjson', 'noaction', 'slow']);
