import { randomBytes } from 'node:crypto';
import type { IdGenerator } from '@opentelemetry/sdk-trace-base';

export const newTraceId = (): string => randomBytes(16).toString('hex');
export const newSpanId = (): string => randomBytes(8).toString('hex');

/**
 * The SDK's id source, with ids the plugin reserved earlier: a `traceparent` naming an attempt's
 * span goes upstream while the request runs, and the span itself is made at `account` time with
 * that id. `reserve` is followed synchronously by the `startSpan` that takes the ids.
 */
export class ReservedIds implements IdGenerator {
  private traceId: string | null = null;
  private spanId: string | null = null;

  reserve(traceId: string | null, spanId: string | null): void {
    this.traceId = traceId;
    this.spanId = spanId;
  }

  generateTraceId(): string {
    const t = this.traceId ?? newTraceId();
    this.traceId = null;
    return t;
  }

  generateSpanId(): string {
    const s = this.spanId ?? newSpanId();
    this.spanId = null;
    return s;
  }
}
