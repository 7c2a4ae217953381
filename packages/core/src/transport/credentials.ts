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
  private readonly cache: Map<string, Credential>;
  private readonly pending: Map<string, Promise<Credential>>;
  /** Keys fetched through this view (one view per deployment), so an upstream 401 can drop them. */
  private readonly used = new Set<string>();

  constructor(
    /** The core transport, for fetchers that need HTTP (a token endpoint). */
    readonly transport: Transport,
    private readonly refreshMarginMs = 60_000,
    shared?: { cache: Map<string, Credential>; pending: Map<string, Promise<Credential>> },
  ) {
    this.cache = shared?.cache ?? new Map();
    this.pending = shared?.pending ?? new Map();
  }

  /** A view sharing this cache that remembers which keys it used. */
  scoped(): CredentialsService {
    return new CredentialsService(this.transport, this.refreshMarginMs, { cache: this.cache, pending: this.pending });
  }

  /** Drop every credential this view fetched (the upstream refused it: revoked, rotated). */
  invalidateUsed(): number {
    for (const k of this.used) this.cache.delete(k);
    return this.used.size;
  }

  async get(key: string, fetcher: (transport: Transport) => Promise<Credential>): Promise<string> {
    this.used.add(key);
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
