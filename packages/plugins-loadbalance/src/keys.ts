/**
 * The SharedState keys of one deployment, made once and reused: a route reads several per
 * deployment, and a reused string keeps its hash (a fresh template string is hashed again on
 * every Map lookup).
 */
export interface DeploymentKeys {
  /** Circuit open until (ms). */
  readonly cooldown: string;
  /** Half-open marker. */
  readonly halfOpen: string;
  /** The half-open probe's single slot. */
  readonly probe: string;
  /** Successes and failures in the current minute. */
  readonly ok: string;
  readonly fail: string;
  /** Requests and tokens in the current minute. */
  readonly rpm: string;
  readonly tpm: string;
  /** Moving averages: latency per output token, time to first token. */
  readonly latency: string;
  readonly ttft: string;
  readonly inFlight: string;
}

const cache = new Map<string, DeploymentKeys>();

export function keysOf(id: string): DeploymentKeys {
  let k = cache.get(id);
  if (!k) {
    k = {
      cooldown: `lb:cd:${id}`,
      halfOpen: `lb:ho:${id}`,
      probe: `lb:probe:${id}`,
      ok: `lb:ok:${id}`,
      fail: `lb:fail:${id}`,
      rpm: `lb:rpm:${id}`,
      tpm: `lb:tpm:${id}`,
      latency: `lb:lat:${id}`,
      ttft: `lb:ttft:${id}`,
      inFlight: `lb:inflight:${id}`,
    };
    cache.set(id, k);
  }
  return k;
}
