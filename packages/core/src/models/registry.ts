import type { Deployment, PreparedDeployment, ProviderAdapter } from '../adapter.js';
import type { ModelEntry } from '../config/types.js';
import { ConfigError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ModelGroup } from '../pipeline/context.js';
import { newStats } from '../routing/stats.js';
import { inferProvider } from './bare-models.js';

/** An alias (LiteLLM's `model_group_alias`): a name that serves another group, optionally unlisted. */
export interface ModelAlias {
  target: string;
  hidden: boolean;
}

/** A config entry whose `model_name` has `*`: it serves every requested name the pattern matches. */
interface WildcardEntry {
  index: number;
  entry: ModelEntry;
  id: string;
}

interface WildcardGroup {
  pattern: string;
  re: RegExp;
  /** Literal characters in the pattern: the most specific matching pattern wins. */
  specificity: number;
  entries: WildcardEntry[];
}

/** Concrete groups made for wildcard names are kept up to this many, oldest dropped first. */
const MAX_CONCRETE_GROUPS = 1000;

export interface RegistryOptions {
  adapters: ReadonlyMap<string, ProviderAdapter>;
  logger: Logger;
  dropParams: boolean;
  aliases: Readonly<Record<string, ModelAlias>>;
  /** The package that serves a provider id, for the "install it" hint. */
  providerPackage(provider: string): string;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}

function tagsOf(entry: ModelEntry): string[] {
  const t = entry.params.tags ?? entry.model_info?.tags;
  return Array.isArray(t) ? t.map(String) : [];
}

/**
 * The model list as routing sees it: groups of deployments by `model_name` (sorted by `order`),
 * aliases, and wildcard entries (`*`, `openai/*`) that pass the requested name through to the
 * provider. Deployments are prepared once by their adapter; a wildcard's concrete deployment is
 * prepared on first use of a name and kept.
 */
export class ModelRegistry {
  private readonly groups = new Map<string, ModelGroup>();
  private readonly wildcardGroups: WildcardGroup[] = [];
  private readonly concrete = new Map<string, ModelGroup>();
  private list: Deployment[] = [];
  /** Deployments added after start (setRuntime), by id. */
  private runtime = new Set<string>();

  constructor(private readonly o: RegistryOptions) {}

  /** Prepare every entry (but those in `skip`, already reported as broken); every problem is reported at once. */
  build(entries: readonly ModelEntry[], skip: ReadonlySet<number> = new Set()): void {
    const problems: string[] = [];
    const wild = new Map<string, WildcardGroup>();
    entries.forEach((entry, i) => {
      if (skip.has(i)) return;
      const id = (entry.model_info?.id as string | undefined) ?? `${entry.model_name}#${i}`;
      try {
        if (entry.model_name.includes('*')) {
          // Prepared once with the pattern, so a missing key or adapter fails start-up, not the first request.
          if (!entry.params.model.startsWith('*')) this.prepareFor(entry, id, entry.model_name, entry.params.model, i);
          let g = wild.get(entry.model_name);
          if (!g) {
            const re = new RegExp(`^${entry.model_name.split('*').map(escapeRegExp).join('(.+)')}$`);
            g = { pattern: entry.model_name, re, specificity: entry.model_name.replace(/\*/g, '').length, entries: [] };
            wild.set(entry.model_name, g);
          }
          g.entries.push({ index: i, entry, id });
          return;
        }
        const d = this.prepareFor(entry, id, entry.model_name, entry.params.model, i);
        this.list.push(d);
        const group = this.groups.get(entry.model_name);
        if (group) (group.deployments as Deployment[]).push(d);
        else this.groups.set(entry.model_name, { name: entry.model_name, deployments: [d] });
      } catch (err) {
        problems.push((err as Error).message);
      }
    });
    if (problems.length) throw new ConfigError(problems.join('\n'));
    for (const g of this.groups.values()) sortByOrder(g.deployments as Deployment[]);
    this.wildcardGroups.push(...[...wild.values()].sort((a, b) => b.specificity - a.specificity));
    for (const [name, alias] of Object.entries(this.o.aliases)) {
      if (!this.groups.has(alias.target) && !this.matchWildcard(alias.target)) {
        throw new ConfigError(`router.model_group_alias.${name}: "${alias.target}" is not a model group.`);
      }
    }
  }

  /**
   * Replace the deployments added after start (models kept in a database) with `entries`. Every
   * entry is prepared first: one that fails throws naming it, and nothing changes. Groups are
   * replaced, never mutated, so a request already holding one keeps its plan; config deployments
   * keep their prepared state and stats. Wildcard names are refused (they are config-only).
   */
  setRuntime(entries: readonly ModelEntry[]): void {
    const added: Deployment[] = [];
    const problems: string[] = [];
    entries.forEach((entry, i) => {
      if (entry.model_name.includes('*')) {
        problems.push(`runtime model ${i} ("${entry.model_name}"): wildcard model names are served from the config file only.`);
        return;
      }
      const id = (entry.model_info?.id as string | undefined) ?? `${entry.model_name}#runtime${i}`;
      try {
        added.push(this.prepareFor(entry, id, entry.model_name, entry.params.model, i));
      } catch (err) {
        problems.push((err as Error).message.replace(/^model_list\[\d+\]/, `runtime model ${i}`));
      }
    });
    if (problems.length) throw new ConfigError(problems.join('\n'));
    const touched = new Set<string>(added.map((d) => d.modelName));
    for (const d of this.list) if (this.runtime.has(d.id)) touched.add(d.modelName);
    this.list = this.list.filter((d) => !this.runtime.has(d.id)).concat(added);
    this.runtime = new Set(added.map((d) => d.id));
    for (const name of touched) {
      const deployments = this.list.filter((d) => d.modelName === name);
      sortByOrder(deployments);
      if (deployments.length) this.groups.set(name, { name, deployments });
      else this.groups.delete(name);
    }
  }

  private prepareFor(entry: ModelEntry, id: string, modelName: string, model: string, i: number): Deployment {
    const slash = model.indexOf('/');
    const provider = model.slice(0, slash);
    const adapter = this.o.adapters.get(provider);
    if (!adapter) {
      throw new ConfigError(`model_list[${i}] ("${entry.model_name}", ${entry.params.model}): no adapter for provider "${provider}". Install ${this.o.providerPackage(provider)} and add it to plugins.`);
    }
    const base = {
      id,
      modelName,
      provider,
      providerModel: model.slice(slash + 1),
      params: model === entry.params.model ? entry.params : { ...entry.params, model },
      modelInfo: entry.model_info ?? {},
      tags: tagsOf(entry),
      stats: newStats(),
    };
    let prepared: PreparedDeployment;
    try {
      prepared = adapter.prepare(base, { logger: this.o.logger, dropParams: entry.params.drop_params ?? this.o.dropParams });
    } catch (err) {
      throw new ConfigError(`model_list[${i}] ("${entry.model_name}"): ${(err as Error).message}`);
    }
    return { ...base, prepared };
  }

  private matchWildcard(name: string): { group: WildcardGroup; capture: string } | undefined {
    for (const g of this.wildcardGroups) {
      const m = g.re.exec(name);
      if (m) return { group: g, capture: m[1] ?? name };
    }
    return undefined;
  }

  /**
   * The group serving a requested name: an exact group, an alias's target, or a wildcard
   * (the most specific pattern that matches). Undefined when nothing serves it.
   */
  resolve(name: string): ModelGroup | undefined {
    const exact = this.groups.get(name);
    if (exact) return exact;
    const alias = this.o.aliases[name];
    if (alias && Object.hasOwn(this.o.aliases, name)) return this.groups.get(alias.target) ?? this.wildcard(alias.target);
    return this.wildcard(name);
  }

  private wildcard(name: string): ModelGroup | undefined {
    const cached = this.concrete.get(name);
    if (cached) return cached;
    const hit = this.matchWildcard(name);
    if (!hit) return undefined;
    const deployments: Deployment[] = [];
    for (const w of hit.group.entries) {
      const template = w.entry.params.model;
      const model = template.includes('*') ? template.replace('*', hit.capture) : template;
      const full = model.includes('/') ? model : inferProvider(model);
      if (!full || !this.o.adapters.has(full.slice(0, full.indexOf('/')))) continue;
      try {
        deployments.push(this.prepareFor(w.entry, `${w.id}:${name}`, name, full, w.index));
      } catch (err) {
        this.o.logger.warn({ model: name, err: (err as Error).message }, 'wildcard deployment could not be prepared');
      }
    }
    if (deployments.length === 0) return undefined;
    sortByOrder(deployments);
    const group: ModelGroup = { name, deployments };
    if (this.concrete.size >= MAX_CONCRETE_GROUPS) this.concrete.delete(this.concrete.keys().next().value!);
    this.concrete.set(name, group);
    return group;
  }

  /** Names a client may ask for, as `/v1/models` lists them: groups and visible aliases. */
  names(): string[] {
    const out = [...this.groups.keys()];
    for (const [name, a] of Object.entries(this.o.aliases)) if (!a.hidden && !this.groups.has(name)) out.push(name);
    return out;
  }

  /** The provider of a name's first deployment (for `owned_by`). */
  ownerOf(name: string): string {
    return this.resolve(name)?.deployments[0]?.provider ?? 'tollgate';
  }

  get(name: string): ModelGroup | undefined {
    return this.groups.get(name);
  }

  /** Every prepared deployment of the config's exact groups (wildcards' concrete ones are made on demand). */
  all(): readonly Deployment[] {
    return this.list;
  }
}

function sortByOrder(ds: Deployment[]): void {
  ds.sort((a, b) => (a.params.order ?? Infinity) - (b.params.order ?? Infinity));
}
