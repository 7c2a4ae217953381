import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

/** One span as an OTLP/JSON export carries it, decoded. */
export interface ExportedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  /** OTLP SpanKind: 1 internal, 2 server, 3 client. */
  kind: number;
  startNs: bigint;
  endNs: bigint;
  attributes: Record<string, unknown>;
  status: { code: number; message?: string };
  resource: Record<string, unknown>;
  scope: string;
}

type AnyValue = { stringValue?: string; boolValue?: boolean; intValue?: string | number; doubleValue?: number; arrayValue?: { values?: AnyValue[] } };
type KeyValue = { key: string; value: AnyValue };

/** OTLP AnyValue to JS (int64 arrives as a string or a number in OTLP/JSON). */
function decodeValue(v: AnyValue): unknown {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(decodeValue);
  return undefined;
}

const decodeAttrs = (list: KeyValue[] = []): Record<string, unknown> => Object.fromEntries(list.map((kv) => [kv.key, decodeValue(kv.value)]));

/**
 * A stand-in OTLP/HTTP collector on 127.0.0.1: accepts `POST /v1/traces` in OTLP/JSON (what
 * @opentelemetry/exporter-trace-otlp-http sends) as a collector does, 415 for anything else,
 * and decodes every span (ids as hex, as the OTLP/JSON encoding writes them).
 */
export async function startCollector() {
  const spans: ExportedSpan[] = [];
  const requests: Array<{ path: string; headers: Record<string, unknown> }> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      requests.push({ path: req.url ?? '', headers: req.headers });
      if (req.method !== 'POST' || req.url !== '/v1/traces') { res.writeHead(404); res.end(); return; }
      if (!String(req.headers['content-type']).startsWith('application/json')) { res.writeHead(415); res.end(); return; }
      let raw = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw);
      const body = JSON.parse(raw.toString('utf8')) as { resourceSpans: Array<{ resource?: { attributes?: KeyValue[] }; scopeSpans: Array<{ scope?: { name?: string }; spans: any[] }> }> };
      for (const rs of body.resourceSpans) {
        const resource = decodeAttrs(rs.resource?.attributes);
        for (const ss of rs.scopeSpans) {
          for (const s of ss.spans) {
            spans.push({
              traceId: s.traceId,
              spanId: s.spanId,
              parentSpanId: s.parentSpanId ?? '',
              name: s.name,
              kind: s.kind,
              startNs: BigInt(s.startTimeUnixNano),
              endNs: BigInt(s.endTimeUnixNano),
              attributes: decodeAttrs(s.attributes),
              status: s.status ?? { code: 0 },
              resource,
              scope: ss.scope?.name ?? '',
            });
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    spans,
    requests,
    /** Wait until spans matching `pred` number at least `n`. */
    async waitFor(pred: (s: ExportedSpan) => boolean, n = 1): Promise<ExportedSpan[]> {
      for (let i = 0; i < 300; i++) {
        const found = spans.filter(pred);
        if (found.length >= n) return found;
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error(`collector: fewer than ${n} matching spans arrived (${spans.length} spans: ${spans.map((s) => s.name).join(', ')})`);
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
