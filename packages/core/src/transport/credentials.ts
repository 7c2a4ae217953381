import type { Transport } from './types.js';

export interface Credential {
  value: string;
  /** Epoch ms after which the credential is no longer valid. */
  expiresAt: number;
}

/**
 * Caches credentials that come from the network (OAuth tokens for Vertex AI, Entra ID tokens for
 * Azure). Concurrent callers share one fetch; a token is refreshed a minute before it expires.
 */
export class CredentialsService {
  private readonly cache = new Map<string, Credential>();
  private readonly pending = new Map<string, Promise<Credential>>();

  constructor(
    /** The core transport, for fetchers that need HTTP (a token endpoint). */
    readonly transport: Transport,
    private readonly refreshMarginMs = 60_000,
  ) {}

  async get(key: string, fetcher: (transport: Transport) => Promise<Credential>): Promise<string> {
    const cached = this.cache.get(key);
    if (cached && cached.expiresAt - this.refreshMarginMs > Date.now()) return cached.value;
    let p = this.pending.get(key);
    if (!p) {
      p = fetcher(this.transport).finally(() => this.pending.delete(key));
      this.pending.set(key, p);
    }
    const fresh = await p;
    this.cache.set(key, fresh);
    return fresh.value;
  }

  invalidate(key: string): void {
    this.cache.delete(key);
  }
}
