import { BadRequestError } from '@tollgate/core';

/**
 * Deepest nesting of arrays and objects a request body may have. Bodies are parsed, validated and
 * serialised again (for the upstream, the cache key, logs); V8 overflows its stack at a few
 * thousand levels, so a deeper body would be a 500 and a deployment failure. 100 is far above any
 * real request (JSON schemas in tools and response_format nest a few dozen levels at most).
 */
export const MAX_JSON_DEPTH = 100;

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Refuse a JSON text nested deeper than `max`, in one pass over its bytes before it is parsed.
 * Strings are skipped with a native search for their closing quote (most of a large body is
 * text), so brackets inside them do not count; UTF-8 continuation bytes never equal these codes.
 */
export function assertJsonDepth(buf: Uint8Array, max = MAX_JSON_DEPTH): void {
  const bytes = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  let depth = 0;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (c === QUOTE) {
      i = closingQuote(bytes, i + 1);
      if (i === -1) return; // unterminated: JSON.parse refuses it
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > max) throw new BadRequestError(`Request body is nested more than ${max} levels deep (the limit for arrays and objects).`, { code: 'json_too_deep' });
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    }
  }
}

/** Index of the quote that ends the string starting at `from`, or -1. */
function closingQuote(bytes: Buffer, from: number): number {
  for (let j = from; ; j++) {
    j = bytes.indexOf(QUOTE, j);
    if (j === -1) return -1;
    let backslashes = 0;
    while (bytes[j - 1 - backslashes] === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return j;
  }
}
