/**
 * The AWS event-stream binary framing (`application/vnd.amazon.eventstream`), written from the spec
 * for the mocks — deliberately not with the codec the adapters decode with. One message:
 *
 *   prelude   total length (uint32 BE) | headers length (uint32 BE) | prelude CRC32 (of those 8 bytes)
 *   headers   per header: name length (uint8) | name (UTF-8) | value type (uint8) | value
 *             (type 7 = string: value length uint16 BE | UTF-8 bytes)
 *   payload   bytes
 *   trailer   message CRC32 (of everything before it, prelude CRC included)
 *
 * Source: AWS "Event stream encoding" (docs.aws.amazon.com/transcribe/latest/dg/streaming-setting-up.html#streaming-event-stream,
 * docs.aws.amazon.com/AmazonS3/latest/API/RESTSelectObjectAppendix.html), CRC32 as in zlib (IEEE 802.3).
 */
import { crc32 } from 'node:zlib';

const STRING = 7;

function encodeHeaders(headers: Record<string, string>): Buffer {
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(headers)) {
    const n = Buffer.from(name, 'utf8');
    const v = Buffer.from(value, 'utf8');
    if (n.length > 255) throw new Error(`header name too long: ${name}`);
    const head = Buffer.alloc(1 + n.length + 1 + 2);
    head.writeUInt8(n.length, 0);
    n.copy(head, 1);
    head.writeUInt8(STRING, 1 + n.length);
    head.writeUInt16BE(v.length, 2 + n.length);
    parts.push(head, v);
  }
  return Buffer.concat(parts);
}

/** One event-stream message with string headers. */
export function encodeEventStreamMessage(headers: Record<string, string>, payload: Uint8Array | string): Buffer {
  const h = encodeHeaders(headers);
  const p = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : Buffer.from(payload);
  const total = 12 + h.length + p.length + 4;
  const out = Buffer.alloc(total);
  out.writeUInt32BE(total, 0);
  out.writeUInt32BE(h.length, 4);
  out.writeUInt32BE(crc32(out.subarray(0, 8)), 8);
  h.copy(out, 12);
  p.copy(out, 12 + h.length);
  out.writeUInt32BE(crc32(out.subarray(0, total - 4)), total - 4);
  return out;
}

/** An `:message-type: event` frame carrying a JSON payload (ConverseStream's events). */
export function eventFrame(eventType: string, payload: unknown): Buffer {
  return encodeEventStreamMessage(
    { ':event-type': eventType, ':content-type': 'application/json', ':message-type': 'event' },
    JSON.stringify(payload),
  );
}

/** An `:message-type: exception` frame (a modeled stream error such as throttlingException). */
export function exceptionFrame(exceptionType: string, message: string): Buffer {
  return encodeEventStreamMessage(
    { ':exception-type': exceptionType, ':content-type': 'application/json', ':message-type': 'exception' },
    JSON.stringify({ message }),
  );
}

/** A frame whose message CRC is wrong (one payload byte flipped after the CRCs were computed). */
export function corrupt(frame: Buffer): Buffer {
  const out = Buffer.from(frame);
  out[out.length - 5] ^= 0xff;
  return out;
}
