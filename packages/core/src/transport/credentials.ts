import type { Transport } from './types.js';

/**
 * A credential fetched or computed from the network: an OAuth token (a string), or structured
 * values (AWS access key id, secret and session token from an STS call).
 */
export interface Credential<T = string> {
  value: T;
  /** Epoch ms after which the credential is no longer valid. */
  expiresAt: number;
}

type Shared = { cache: Map<string, Credential<unknown>>; pending: Map<string, Promise<Credential<unknown>>> };

/**
 * Caches credentials that come from the network (Vertex AI and Entra ID tokens, assumed AWS
 * roles). Concurrent callers share one fetch; a credential is refreshed a minute before it expires.
 */
export class CredentialsService {
  private readonly cache: Map<string, Credential<unknown>>;
  private readonly pending: Map<string, Promise<Credential<unknown>>>;
  /** Keys fetched through this view (one view per deployment), so a refused credential can be dropped. */
  private readonly used = new Set<string>();

  constructor(
    /** The core transport, for fetchers that need HTTP (a token endpoint). */
    readonly transport: Transport,
    private readonly refreshMarginMs = 60_000,
    shared?: Shared,
  ) {
    this.cache = shared?.cache ?? new Map();
    this.pending = shared?.pending ?? new Map();
  }

  /** A view sharing this cache that remembers which keys it used. */
  scoped(): CredentialsService {
    return new CredentialsService(this.transport, this.refreshMarginMs, { cache: this.cache, pending: this.pending });
  }

  /** Drop every credential this view fetched (the upstream refused it: revoked, rotated, expired). */
  invalidateUsed(): number {
    for (const k of this.used) this.cache.delete(k);
    return this.used.size;
  }

  async get<T = string>(key: string, fetcher: (transport: Transport) => Promise<Credential<T>>): Promise<T> {
    this.used.add(key);
    const cached = this.cache.get(key) as Credential<T> | undefined;
    if (cached && cached.expiresAt - this.refreshMarginMs > Date.now()) return cached.value;
    let p = this.pending.get(key) as Promise<Credential<T>> | undefined;
    if (!p) {
      p = fetcher(this.transport).finally(() => this.pending.delete(key));
      this.pending.set(key, p as Promise<Credential<unknown>>);
    }
    const fresh = await p;
    this.cache.set(key, fresh as Credential<unknown>);
    return fresh.value;
  }

  invalidate(key: string): void {
    this.cache.delete(key);
  }
}
