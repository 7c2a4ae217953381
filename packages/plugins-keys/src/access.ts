import { proxyError } from './errors.js';
import { pyList } from './pyfmt.js';
import type { Principal } from './principal.js';

/** LiteLLM's special model names (SpecialModelNames in litellm/proxy/_types.py). */
export const ALL_PROXY_MODELS = 'all-proxy-models';
export const ALL_TEAM_MODELS = 'all-team-models';
export const NO_DEFAULT_MODELS = 'no-default-models';

/** Model names an access group stands for (model_info.access_groups in the model list). */
export type AccessGroups = (name: string) => readonly string[] | undefined;

/**
 * LiteLLM's _check_model_access_helper (litellm/proxy/auth/auth_checks.py): an empty list, "*"
 * or all-proxy-models allow everything; otherwise the model must be listed, match a wildcard
 * ("openai/*"), belong to a listed access group, or be one of the team's model aliases.
 */
export function listAllows(models: readonly string[], model: string, groups?: AccessGroups, aliases?: Record<string, unknown> | null): boolean {
  if (models.length === 0) return true;
  if (aliases && Object.hasOwn(aliases, model)) return true;
  for (const m of models) {
    if (m === model || m === '*' || m === ALL_PROXY_MODELS) return true;
    if (m.includes('*') && wildcard(m).test(model)) return true;
    if (groups?.(m)?.includes(model)) return true;
  }
  return false;
}

const patterns = new Map<string, RegExp>();
function wildcard(pattern: string): RegExp {
  let re = patterns.get(pattern);
  if (!re) {
    re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
    patterns.set(pattern, re);
  }
  return re;
}

/** The key's own list, with all-team-models standing for the team's list. */
export function keyModels(p: Principal): readonly string[] {
  const models = p.key?.models ?? [];
  return models.includes(ALL_TEAM_MODELS) ? (p.team?.models ?? []) : models;
}

function denied(object: 'key' | 'user' | 'org', models: readonly string[], model: string) {
  return proxyError(403, `${object}_model_access_denied`, `${object} not allowed to access model. This ${object} can only access models=${pyList(models)}. Tried to access ${model}`, 'model', 'permission');
}

/**
 * Throws a 403 naming the model when the key, its team, its user (personal keys) or its
 * organization may not call it. Messages and types as LiteLLM's common_checks and
 * _can_object_call_model; the status is 403 where LiteLLM answers 401.
 */
export function checkModelAccess(p: Principal, model: string, groups?: AccessGroups): void {
  if (p.isMaster) return;
  const aliases = p.team?.model_aliases ?? null;
  const km = keyModels(p);
  if (!listAllows(km, model, groups, aliases)) throw denied('key', km, model);
  if (p.team && !listAllows(p.team.models, model, groups, aliases)) {
    throw proxyError(403, 'team_model_access_denied', `Team not allowed to access model. Team=${p.team.team_id}, Model=${model}. Allowed team models = ${pyList(p.team.models)}`, 'model', 'permission');
  }
  if (!p.team && p.user) {
    if (p.user.models.includes(NO_DEFAULT_MODELS)) {
      throw proxyError(403, 'key_model_access_denied', `User not allowed to access model. No default model access, only team models allowed. Tried to access ${model}`, 'model', 'permission');
    }
    if (!listAllows(p.user.models, model, groups)) throw denied('user', p.user.models, model);
  }
  if (p.organization && !listAllows(p.organization.models, model, groups, aliases)) throw denied('org', p.organization.models, model);
}

/** The subset of `models` this caller may call (for /v1/models and /model/info). */
export function allowedModels(p: Principal, models: readonly string[], groups?: AccessGroups): string[] {
  return models.filter((m) => {
    try {
      checkModelAccess(p, m, groups);
      return true;
    } catch {
      return false;
    }
  });
}
