import type { ErrorKind } from '@tollgate/core';
import type { FallbackMap, RouterSettings } from './settings/settings.js';

/**
 * The fallback groups of `group` for a failure of this kind (litellm/router.py,
 * async_function_with_fallbacks_common_utils): a context-window error uses
 * context_window_fallbacks and a content-policy error content_policy_fallbacks when those are
 * configured (a group without an entry there has none); otherwise `fallbacks`, matched exactly,
 * then without a `provider/` prefix (wildcard groups), then the generic `"*"` entry
 * (default_fallbacks). A request's own `fallbacks` replace the configured ones.
 */
export function fallbacksOf(group: string, kind: ErrorKind, settings: RouterSettings, requestFallbacks?: FallbackMap): readonly string[] {
  if (requestFallbacks) return lookup(requestFallbacks, group);
  if (kind === 'context_window_exceeded' && settings.context_window_fallbacks) return settings.context_window_fallbacks.groups[group] ?? [];
  if (kind === 'content_policy' && settings.content_policy_fallbacks) return settings.content_policy_fallbacks.groups[group] ?? [];
  return lookup(settings.fallbacks, group);
}

function lookup(map: FallbackMap, group: string): readonly string[] {
  const exact = map.groups[group];
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
  request: { fallbacks?: FallbackMap; disableFallbacks?: boolean },
): string | null {
  if (request.disableFallbacks || kind === 'bad_request' || kind === 'aborted' || kind === 'internal') return null;
  if (triedGroups.length - 1 >= settings.max_fallbacks) return null;
  for (let i = triedGroups.length - 1; i >= 0; i--) {
    for (const g of fallbacksOf(triedGroups[i], kind, settings, request.fallbacks)) if (!triedGroups.includes(g)) return g;
  }
  return null;
}
