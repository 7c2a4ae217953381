import { keyHash, type Caller, type Deployment, type Gateway } from '@tollgate/core';

/** What a caller contributes to labels: never the key, never a raw user string. */
export interface CallerLabels {
  /** Alias, else short hash: the native `key` label. */
  readonly key: string;
  readonly alias: string;
  readonly hash: string;
  readonly team: string;
  /** One string for the three, to key series by. */
  readonly id: string;
}

const NO_CALLER: CallerLabels = { key: '', alias: '', hash: '', team: '', id: '' };
const byCaller = new WeakMap<Caller, CallerLabels>();

/** Cached per Caller object (keys plugins hand out one object per cached key). */
export function callerLabels(caller: Caller): CallerLabels {
  let l = byCaller.get(caller);
  if (!l) {
    const hash = keyHash(caller) ?? '';
    const alias = caller.keyAlias ?? '';
    const team = caller.teamId ?? '';
    l = hash || alias || team ? { key: alias || hash, alias, hash, team, id: `${alias}\u0001${hash}\u0001${team}` } : NO_CALLER;
    byCaller.set(caller, l);
  }
  return l;
}

const CACHE_LIMIT = 4096;

/**
 * Model-group and deployment labels bounded by the config: a wildcard group (`openai/*`) serves
 * any model name a client sends, so its requests are labelled with the pattern, never with the
 * client's string; a name that matches nothing is `unknown`.
 */
export class BoundedNames {
  private known = new Set<string>();
  private aliases = new Map<string, string>();
  private patterns: Array<{ name: string; re: RegExp }> = [];
  private configured = new Set<Deployment>();
  private readonly groups = new Map<string, string>();

  /** Read the config's names once the gateway has started. */
  load(gateway: Gateway): void {
    const all = gateway.allDeployments();
    this.configured = new Set(all);
    this.known = new Set(all.map((d) => d.modelName));
    this.patterns = gateway.config.model_list
      .map((m) => m.model_name)
      .filter((n) => n.includes('*'))
      .map((name) => ({ name, re: new RegExp(`^${name.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`) }));
    // An alias is labelled with the group it names, as the requests through it are once routed.
    this.aliases = new Map(Object.entries(gateway.config.router.model_group_alias ?? {}).map(([alias, v]) => [alias, this.group(typeof v === 'string' ? v : v.model)]));
  }

  group(name: string): string {
    if (this.known.has(name)) return name;
    let label = this.aliases.get(name) ?? this.groups.get(name);
    if (label === undefined) {
      label = this.patterns.find((p) => p.re.test(name))?.name ?? 'unknown';
      if (this.groups.size >= CACHE_LIMIT) this.groups.clear();
      this.groups.set(name, label);
    }
    return label;
  }

  /** A configured deployment's id; a wildcard's concrete deployment (`<entry id>:<model>`) by its entry id. */
  deployment(d: Deployment): string {
    if (this.configured.has(d)) return d.id;
    const suffix = `:${d.modelName}`;
    return d.id.endsWith(suffix) ? d.id.slice(0, -suffix.length) : 'wildcard';
  }

  /** The provider's model name (LiteLLM's `model` label), bounded the same way. */
  providerModel(d: Deployment): string {
    return this.configured.has(d) ? d.providerModel : this.group(d.modelName);
  }
}

/** '2xx', '4xx', '5xx' (499: the client went away). */
export function statusClass(status: number): string {
  return status < 300 ? '2xx' : status < 400 ? '3xx' : status < 500 ? '4xx' : '5xx';
}
