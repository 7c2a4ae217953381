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

/** Chat params of OpenAI's API reference (and the widely used extras the canonical type names). */
export const CANONICAL_CHAT_PARAMS: ReadonlySet<string> = new Set([
  'model', 'messages', 'stream', 'stream_options', 'tools', 'tool_choice', 'parallel_tool_calls', 'response_format', 'n', 'stop',
  'seed', 'logprobs', 'top_logprobs', 'user', 'max_tokens', 'max_completion_tokens', 'temperature', 'top_p', 'frequency_penalty',
  'presence_penalty', 'logit_bias', 'reasoning_effort', 'metadata', 'modalities', 'service_tier', 'store', 'prediction', 'audio',
  'web_search_options', 'verbosity', 'functions', 'function_call', 'thinking', 'top_k', 'prompt_cache_key', 'safety_identifier',
]);

/**
 * Client fields never forwarded upstream: credentials and routing (an SSRF one hop down when the
 * upstream is itself a proxy, e.g. LiteLLM's `api_base`), and gateway-only controls.
 */
const CLIENT_DENY = /^(api_base|base_url|api_key|api_version|api_type|organization|extra_headers|extra_body|custom_llm_provider|azure_ad_token|azure_api_key|mock_response|mock_.*|user_api_key.*|litellm_.*|aws_.*|vertex_.*|azure_.*|cache|guardrails|num_retries|fallbacks|disable_fallbacks|tags)$/;

export function isDeniedClientParam(key: string): boolean {
  return CLIENT_DENY.test(key);
}

export interface ParamTableOptions {
  dropParams: boolean;
  provider: string;
  /**
   * What happens to a param the table does not name: `canonical` (default) forwards the
   * canonical params and the deployment's `allowed` ones and drops the rest with a warning;
   * `none` forwards nothing the table does not name.
   */
  unknown?: 'canonical' | 'none';
  /** Params the canonical request may carry for this operation (default: chat's). */
  known?: ReadonlySet<string>;
  /** The deployment's `allowed_client_params`: extra client fields it forwards. */
  allowed?: readonly string[];
}

export function compileParamTable(table: ParamTable, options: ParamTableOptions): CompiledParams {
  const known = options.known ?? CANONICAL_CHAT_PARAMS;
  const allowed = new Set(options.allowed ?? []);
  const forwardUnknown = options.unknown !== 'none';
  return {
    apply(request, target, ctx, skip) {
      for (const key in request) {
        const value = request[key];
        if (value === undefined || (skip && skip.has(key))) continue;
        const rule = table[key];
        if (!rule) {
          if (!forwardUnknown) continue;
          if (known.has(key) || (allowed.has(key) && !CLIENT_DENY.test(key))) target[key] = value;
          else ctx?.warnings.push(`ignored param '${key}' (not forwarded upstream; a deployment may allow it with allowed_client_params)`);
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
