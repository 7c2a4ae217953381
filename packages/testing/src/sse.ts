/**
 * Server-sent events: a small writer for the mocks (with chunk delay and
 * "cut the socket after N chunks") and `readSse`, a parser for tests.
 */
import type { ServerResponse } from 'node:http';
import { sleep } from './http.js';

export interface SseWriterOptions {
  /** Delay before every data event after the first. */
  chunkDelayMs?: number;
  /** Destroy the socket once this many data events were written. */
  cutAfterChunks?: number;
}

export class SseWriter {
  private count = 0;
  private cut = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly opts: SseWriterOptions = {},
  ) {}

  /** Sends the 200 status and event-stream headers. */
  open(headers: Record<string, string> = {}): void {
    this.res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      ...headers,
    });
    this.res.flushHeaders();
  }

  /** True while the client is still connected and no cut happened. */
  get alive(): boolean {
    return !this.cut && !this.res.destroyed && !this.res.writableEnded;
  }

  /**
   * Writes one `data:` event (objects are JSON-encoded, strings sent verbatim).
   * Resolves false when the stream is gone (client left, or the cut fault fired).
   */
  async data(payload: unknown): Promise<boolean> {
    if (!this.alive) return false;
    if (this.count > 0) await sleep(this.opts.chunkDelayMs ?? 0);
    if (!this.alive) return false;
    const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
    await this.write(`data: ${text}\n\n`);
    this.count++;
    if (this.opts.cutAfterChunks !== undefined && this.count >= this.opts.cutAfterChunks) {
      this.cut = true;
      this.res.socket?.destroy();
      return false;
    }
    return true;
  }

  /** Writes `data: [DONE]` and ends the response. */
  async done(): Promise<void> {
    if (!this.alive) return;
    await this.write('data: [DONE]\n\n');
    this.end();
  }

  end(): void {
    if (this.alive) this.res.end();
  }

  private write(text: string): Promise<void> {
    return new Promise((resolve) => {
      this.res.write(text, () => resolve());
    });
  }
}

/**
 * Parses SSE text into the JSON value of every `data:` event, stopping at
 * `[DONE]`. Multi-line data is joined with '\n' as the SSE spec says; comment
 * lines and other fields are ignored. Throws on a data payload that is not JSON.
 */
export function parseSse(text: string): any[] {
  const out: any[] = [];
  for (const block of text.replace(/\r\n?/g, '\n').split('\n\n')) {
    const data = block
      .split('\n')
      .filter((line) => line.startsWith('data:'))
      .map((line) => line.slice(5).replace(/^ /, ''));
    if (data.length === 0) continue;
    const payload = data.join('\n');
    if (payload === '[DONE]') break;
    try {
      out.push(JSON.parse(payload));
    } catch {
      throw new Error(`readSse: data is not JSON: ${payload.slice(0, 200)}`);
    }
  }
  return out;
}

/** Reads a fetch `Response` (or SSE text) and returns the parsed data events. */
export async function readSse(res: Response | string): Promise<any[]> {
  return parseSse(typeof res === 'string' ? res : await res.text());
}
