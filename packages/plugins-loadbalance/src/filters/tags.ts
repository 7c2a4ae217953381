import { BadRequestError } from '@tollgate/core';
import type { DeploymentView } from '../types.js';

export interface TagOptions {
  /** Undefined: filter when a deployment of the group has tags (LiteLLM needs enable_tag_filtering: true). */
  readonly enabled: boolean | undefined;
  /** A deployment matches when it has any of the request's tags (true) or all of them (false). */
  readonly matchAny: boolean;
}

/**
 * Tag routing as LiteLLM does it (litellm/router_strategy/tag_based_routing.py):
 * - a request with tags goes to the deployments that carry them (any or all, `matchAny`); when
 *   none does, to the deployments tagged `default`; when there are none, it is refused (400);
 * - `!tag` leaves out deployments with that tag, `&tag` requires it (on top of the above);
 * - a request without tags goes to the `default` deployments if any, else to all.
 */
export function filterByTags<D extends DeploymentView>(candidates: readonly D[], requestTags: readonly string[], options: TagOptions): readonly D[] {
  const enabled = options.enabled ?? candidates.some((d) => d.tags.length > 0);
  if (!enabled || candidates.length === 0) return candidates;
  const excluded = requestTags.filter((t) => t.startsWith('!') && t.length > 1).map((t) => t.slice(1));
  const required = requestTags.filter((t) => t.startsWith('&') && t.length > 1).map((t) => t.slice(1));
  const wanted = requestTags.filter((t) => !t.startsWith('!') && !t.startsWith('&'));
  const notExcluded = (d: D) => !excluded.some((t) => d.tags.includes(t));
  const allowed = candidates.filter((d) => notExcluded(d) && required.every((t) => d.tags.includes(t)));
  const isDefault = (d: D) => d.tags.includes('default');
  let chosen: readonly D[];
  if (wanted.length) {
    const matching = allowed.filter((d) => (options.matchAny ? wanted.some((t) => d.tags.includes(t)) : wanted.every((t) => d.tags.includes(t))));
    chosen = matching.length ? matching : allowed.filter(isDefault);
  } else if (required.length) {
    chosen = allowed;
  } else {
    const defaults = candidates.filter(isDefault);
    chosen = (defaults.length ? defaults : candidates).filter(notExcluded);
  }
  if (chosen.length === 0) {
    throw new BadRequestError(`No deployment of model group "${candidates[0].group}" matches the request's tags (${requestTags.join(', ')}).`, {
      param: 'tags',
      code: 'no_deployments_with_tag_routing',
    });
  }
  return chosen;
}
