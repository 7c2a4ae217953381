import { BadRequestError } from '@tollgate/core';
import type { FallbackMap } from './settings/settings.js';

/** What one request asks of routing, from its body (LiteLLM's names) and headers. */
export interface RequestOverrides {
  /** `x-tollgate-num-retries` header, else body `num_retries`. */
  readonly numRetries: number | undefined;
  /** Body `fallbacks`: a list of groups (for any group) or LiteLLM's `[{group: [...]}]`. */
  readonly fallbacks: FallbackMap | undefined;
  /** Body `disable_fallbacks: true`. */
  readonly disableFallbacks: boolean;
  /** Body `tags` and `metadata.tags`, plus the comma-separated `x-tollgate-tags` header. */
  readonly tags: readonly string[];
}

/** Body fields routing reads that are not OpenAI's: strip them before the request goes upstream. */
export const ROUTING_BODY_FIELDS = ['num_retries', 'fallbacks', 'disable_fallbacks', 'tags'] as const;

type Headers = Readonly<Record<string, string | string[] | undefined>>;

const header = (headers: Headers, name: string): string | undefined => {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
};

export function requestOverrides(body: Readonly<Record<string, unknown>>, headers: Headers = {}): RequestOverrides {
  return {
    numRetries: numRetries(body, headers),
    fallbacks: requestFallbacks(body.fallbacks),
    disableFallbacks: flag(body.disable_fallbacks, 'disable_fallbacks'),
    tags: tags(body, headers),
  };
}

function numRetries(body: Readonly<Record<string, unknown>>, headers: Headers): number | undefined {
  const h = header(headers, 'x-tollgate-num-retries');
  if (h !== undefined) {
    if (!/^\s*\d+\s*$/.test(h)) throw new BadRequestError('Header x-tollgate-num-retries must be a whole number of retries.', { param: 'x-tollgate-num-retries' });
    return Number(h);
  }
  const b = body.num_retries;
  if (b === undefined || b === null) return undefined;
  if (!Number.isInteger(b) || (b as number) < 0) throw new BadRequestError('num_retries must be a non-negative integer.', { param: 'num_retries' });
  return b as number;
}

function requestFallbacks(v: unknown): FallbackMap | undefined {
  if (v === undefined || v === null) return undefined;
  const bad = () => new BadRequestError('fallbacks must be a list of model groups, or [{"<group>": ["<fallback group>", ...]}].', { param: 'fallbacks' });
  if (!Array.isArray(v)) throw bad();
  // LiteLLM's client-side form: a plain list of groups to try after the requested one, whatever it is.
  if (v.every((x) => typeof x === 'string')) return { groups: {}, any: v as string[] };
  const groups: Record<string, string[]> = {};
  for (const item of v) {
    if (!item || typeof item !== 'object' || Array.isArray(item)) throw bad();
    for (const [g, to] of Object.entries(item as Record<string, unknown>)) {
      const list = typeof to === 'string' ? [to] : to;
      if (!Array.isArray(list) || !list.every((x) => typeof x === 'string')) throw bad();
      groups[g] ??= list as string[];
    }
  }
  return { groups, any: undefined };
}

function flag(v: unknown, param: string): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw new BadRequestError(`${param} must be true or false.`, { param });
  return v;
}

function tags(body: Readonly<Record<string, unknown>>, headers: Headers): string[] {
  const out = new Set<string>();
  const add = (v: unknown, param: string) => {
    if (v === undefined || v === null) return;
    if (!Array.isArray(v) || !v.every((t) => typeof t === 'string')) throw new BadRequestError(`${param} must be a list of strings.`, { param });
    for (const t of v) out.add(t);
  };
  add(body.tags, 'tags');
  const metadata = body.metadata;
  if (metadata && typeof metadata === 'object') add((metadata as Record<string, unknown>).tags, 'metadata.tags');
  for (const t of header(headers, 'x-tollgate-tags')?.split(',') ?? []) if (t.trim()) out.add(t.trim());
  return [...out];
}
