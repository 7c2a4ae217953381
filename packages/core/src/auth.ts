import { createHash, timingSafeEqual } from 'node:crypto';
import { AuthenticationError } from './errors.js';
import { ANONYMOUS, MASTER, type Caller } from './pipeline/caller.js';
import type { GatewayHooks } from './pipeline/hooks.js';

type Headers = Record<string, string | string[] | undefined>;

/** The key a request presents: `Authorization: Bearer <key>`, or `x-api-key` / `api-key` (Anthropic, Azure clients). */
export function presentedKey(headers: Headers): string | undefined {
  const auth = headers.authorization;
  if (typeof auth === 'string' && auth.length > 7 && auth.slice(0, 7).toLowerCase() === 'bearer ') return auth.slice(7).trim() || undefined;
  const x = headers['x-api-key'] ?? headers['api-key'];
  return typeof x === 'string' && x ? x : undefined;
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/**
 * Authentication, one step for the pipeline, the built-in endpoints and plugin routes, from the
 * headers alone (the server runs it before reading a body). The master key is compared in
 * constant time; other keys go to `authenticate` taps (a keys plugin). With no master key and no
 * tap, auth is off: every caller is anonymous.
 */
export class Authenticator {
  private readonly master: Buffer | null;

  constructor(masterKey: string | undefined, private readonly hooks: GatewayHooks) {
    this.master = masterKey ? digest(masterKey) : null;
  }

  /** Is any authentication configured? */
  get enabled(): boolean {
    return this.master !== null || this.hooks.authenticate.isUsed();
  }

  async authenticate(headers: Headers, path?: string): Promise<Caller> {
    if (!this.enabled) return ANONYMOUS;
    const key = presentedKey(headers);
    if (!key) throw new AuthenticationError('Missing API key: send "Authorization: Bearer <key>".');
    const keyDigest = this.master ? digest(key) : undefined;
    if (keyDigest && timingSafeEqual(keyDigest, this.master!)) return MASTER;
    if (this.hooks.authenticate.isUsed()) {
      const caller = await this.hooks.authenticate.promise({ headers, key, path, keyDigest });
      if (caller) return caller;
    }
    throw new AuthenticationError('Invalid API key.');
  }
}
