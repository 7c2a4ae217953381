import type { ErrorKind } from '@tollgate/core';
import type { FallbackMap, RouterSettings } from './settings/settings.js';

/**
 * The fallback groups of `group` for a failure of this kind (litellm/router.py,
 * async_function_with_fallbacks_common_utils): a context-window error uses
 * context_window_fallbacks and a content-policy error content_policy_fallbacks when those are
 * configured (a group without an entry there has none); otherwise `fallbacks`, matched exactly
 * (first by `alias`, the name the client asked for, as LiteLLM keys them), then without a
 * `provider/` prefix (wildcard groups), then the generic `"*"` entry (default_fallbacks). A
 * request's own `fallbacks` replace the configured ones.
 */
export function fallbacksOf(group: string, kind: ErrorKind, settings: RouterSettings, requestFallbacks?: FallbackMap, alias?: string): readonly string[] {
  const exact = (map: FallbackMap) => (alias !== undefined ? map.groups[alias] : undefined) ?? map.groups[group];
  if (requestFallbacks) return lookup(requestFallbacks, group, exact(requestFallbacks));
  if (kind === 'context_window_exceeded' && settings.context_window_fallbacks) return exact(settings.context_window_fallbacks) ?? [];
  if (kind === 'content_policy' && settings.content_policy_fallbacks) return exact(settings.content_policy_fallbacks) ?? [];
  return lookup(settings.fallbacks, group, exact(settings.fallbacks));
}

function lookup(map: FallbackMap, group: string, exact: readonly string[] | undefined): readonly string[] {
  if (exact) return exact;
  const slash = group.indexOf('/');
  const stripped = slash > 0 ? map.groups[group.slice(slash + 1)] : undefined;
  return stripped ?? map.any ?? [];
}

/**
 * The next group to fall back to, or null. Like LiteLLM's recursive fallbacks, a fallback group's
 * own fallbacks come first, then the remaining ones of the group before it (depth first); a group
 * is never tried twice, and at most `max_fallbacks` groups are tried after the requested one.
 */
export function nextFallbackGroup(
  kind: ErrorKind,
  triedGroups: readonly string[],
  settings: RouterSettings,
  request: { fallbacks?: FallbackMap; disableFallbacks?: boolean; model?: string },
): string | null {
  if (request.disableFallbacks || kind === 'bad_request' || kind === 'aborted' || kind === 'internal') return null;
  if (triedGroups.length - 1 >= settings.max_fallbacks) return null;
  for (let i = triedGroups.length - 1; i >= 0; i--) {
    // LiteLLM keys fallbacks by the name asked for (async_function_with_fallbacks reads kwargs["model"]):
    // an alias's own entry comes before its group's.
    const alias = i === 0 && request.model !== triedGroups[0] ? request.model : undefined;
    for (const g of fallbacksOf(triedGroups[i], kind, settings, request.fallbacks, alias)) if (!triedGroups.includes(g) && g !== request.model) return g;
  }
  return null;
}
