import { BadRequestError } from './errors.js';
import type { RequestContext } from './pipeline/context.js';

/**
 * A declarative parameter table row (Portkey-style), compiled once per deployment at start-up.
 * `to` renames, `transform` converts the value, `min`/`max` clamp with a warning, `unsupported`
 * answers 400 (or drops with a warning when drop_params is on), `drop` always drops silently.
 */
export interface ParamRule {
  to?: string;
  transform?: (value: unknown, request: Record<string, unknown>) => unknown;
  min?: number;
  max?: number;
  unsupported?: boolean;
  drop?: boolean;
}

export type ParamTable = Readonly<Record<string, ParamRule>>;

export interface CompiledParams {
  /** Map the request's params into `target` (which already holds what the adapter built itself). */
  apply(request: Record<string, unknown>, target: Record<string, unknown>, ctx: RequestContext | null, skip?: ReadonlySet<string>): void;
}

export function compileParamTable(table: ParamTable, options: { dropParams: boolean; provider: string; passUnknown?: boolean }): CompiledParams {
  return {
    apply(request, target, ctx, skip) {
      for (const key in request) {
        const value = request[key];
        if (value === undefined || (skip && skip.has(key))) continue;
        const rule = table[key];
        if (!rule) {
          if (options.passUnknown !== false) target[key] = value;
          continue;
        }
        if (rule.drop) continue;
        if (rule.unsupported) {
          if (value === null) continue;
          if (!options.dropParams) {
            throw new BadRequestError(
              `${options.provider} does not support the parameter '${key}'. Remove it, or set drop_params: true to drop unsupported parameters.`,
              { param: key, code: 'unsupported_parameter' },
            );
          }
          ctx?.warnings.push(`dropped unsupported param '${key}'`);
          continue;
        }
        let v: unknown = rule.transform ? rule.transform(value, request) : value;
        if (typeof v === 'number') {
          const n = v;
          if (rule.min !== undefined && n < rule.min) { ctx?.warnings.push(`clamped '${key}' from ${n} to ${rule.min}`); v = rule.min; }
          if (rule.max !== undefined && n > rule.max) { ctx?.warnings.push(`clamped '${key}' from ${n} to ${rule.max}`); v = rule.max; }
        }
        if (v !== undefined) target[rule.to ?? key] = v;
      }
    },
  };
}
