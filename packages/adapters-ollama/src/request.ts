import {
  BadRequestError,
  CANONICAL_CHAT_PARAMS,
  compileParamTable,
  isDeniedClientParam,
  type ChatCompletionRequest,
  type ChatMessage,
  type CompiledParams,
  type ParamTable,
  type RequestContext,
  type Tool,
} from '@tollgate/core';
import type { OllamaMessage, OllamaToolCall } from './types.js';

/** The `json` names of api.Options and api.Runner (ollama/ollama api/types.go): what `options` may hold. */
export const OLLAMA_OPTION_KEYS: readonly string[] = [
  'num_keep', 'seed', 'num_predict', 'top_k', 'top_p', 'min_p', 'typical_p', 'repeat_last_n', 'temperature', 'repeat_penalty',
  'presence_penalty', 'frequency_penalty', 'stop', 'num_ctx', 'num_batch', 'num_gpu', 'main_gpu', 'use_mmap', 'num_thread',
  'draft_num_predict',
];

const keep = { transform: (v: unknown) => (v === null ? undefined : v) };

/**
 * OpenAI params -> Ollama `options` (never the top level, where Ollama would silently ignore them).
 * Ollama has frequency_penalty and presence_penalty as options of their own, so they map one to one
 * (LiteLLM sends frequency_penalty as repeat_penalty, a multiplicative penalty around 1.0 with
 * another scale). Ollama's own option names are accepted as request params too.
 */
export const OLLAMA_OPTIONS_TABLE: ParamTable = {
  ...Object.fromEntries(OLLAMA_OPTION_KEYS.map((k) => [k, keep])),
  max_tokens: { ...keep, to: 'num_predict' },
  max_completion_tokens: { ...keep, to: 'num_predict' },
  stop: { transform: (v) => (typeof v === 'string' ? [v] : v ?? undefined) },
};

/** Params placed at the top level of the body, or read by the builder itself. */
const TOP_LEVEL = [
  'model', 'messages', 'stream', 'stream_options', 'tools', 'tool_choice', 'response_format', 'reasoning_effort', 'thinking',
  'keep_alive', 'think', 'format', 'options', 'truncate', 'shift', 'logprobs', 'top_logprobs',
];
/** Ollama's own request fields (api.ChatRequest) a client may send when the deployment allows them. */
const NATIVE_FIELDS = new Set(['keep_alive', 'think', 'format', 'options', 'truncate', 'shift']);
/** Gateway-side tagging and OpenAI cache/safety hints, dropped without a word. */
const DROPPED = ['user', 'metadata', 'safety_identifier', 'prompt_cache_key'];

/** Values that ask for nothing of an unsupported param. */
const NEUTRAL: Readonly<Record<string, (v: unknown) => boolean>> = {
  n: (v) => v === 1,
  store: (v) => v === false,
  parallel_tool_calls: (v) => v === true,
  service_tier: (v) => v === 'auto',
  modalities: (v) => Array.isArray(v) && v.every((m) => m === 'text'),
  tool_choice: (v) => v === 'auto' || v === 'none',
};

const tables = new Map<boolean, CompiledParams>();
function optionsTable(dropParams: boolean): CompiledParams {
  let t = tables.get(dropParams);
  if (!t) tables.set(dropParams, (t = compileParamTable(OLLAMA_OPTIONS_TABLE, { dropParams, provider: 'Ollama', unknown: 'none' })));
  return t;
}

function refuse(key: string, dropParams: boolean, ctx: RequestContext | null): void {
  if (!dropParams) {
    throw new BadRequestError(`Ollama does not support the parameter '${key}'. Remove it, or set drop_params: true to drop unsupported parameters.`, { param: key, code: 'unsupported_parameter' });
  }
  ctx?.warnings.push(`dropped unsupported param '${key}'`);
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.filter((p: { type?: string }) => p.type === 'text').map((p: { text?: string }) => p.text ?? '').join('\n');
}

const DATA_URL = /^data:image\/[\w.+-]+;base64,/;

/**
 * OpenAI messages -> Ollama messages: text parts joined into `content`, images as bare base64 in
 * `images`, tool-call arguments as JSON objects, tool results with `tool_call_id` and the `tool_name`
 * of the call they answer, assistant `reasoning_content` as `thinking` (as LiteLLM sends it).
 */
export function convertMessages(messages: ChatMessage[]): OllamaMessage[] {
  const names = new Map<string, string>();
  return messages.map((m, i): OllamaMessage => {
    switch (m.role) {
      case 'system':
      case 'developer':
        return { role: 'system', content: textOf(m.content) };
      case 'user': {
        if (typeof m.content === 'string') return { role: 'user', content: m.content };
        const images: string[] = [];
        m.content.forEach((p, j) => {
          const param = `messages[${i}].content[${j}]`;
          if (p.type === 'text') return;
          if (p.type !== 'image_url') throw new BadRequestError(`Ollama does not accept '${p.type}' content parts.`, { param });
          const url = p.image_url.url;
          // The adapter does no I/O: a remote image would have to be fetched first.
          if (!DATA_URL.test(url)) throw new BadRequestError('Ollama takes images as base64 data URLs (data:image/...;base64,...), not remote URLs.', { param });
          images.push(url.slice(url.indexOf(',') + 1));
        });
        return images.length ? { role: 'user', content: textOf(m.content), images } : { role: 'user', content: textOf(m.content) };
      }
      case 'assistant': {
        const out: OllamaMessage = { role: 'assistant', content: textOf(m.content) };
        if (m.reasoning_content) out.thinking = m.reasoning_content;
        if (m.tool_calls?.length) {
          out.tool_calls = m.tool_calls.map((t, j): OllamaToolCall => {
            names.set(t.id, t.function.name);
            return { id: t.id, function: { name: t.function.name, arguments: parseArguments(t.function.arguments, `messages[${i}].tool_calls[${j}].function.arguments`) } };
          });
        }
        return out;
      }
      case 'tool': {
        const name = names.get(m.tool_call_id);
        return name ? { role: 'tool', content: textOf(m.content), tool_call_id: m.tool_call_id, tool_name: name } : { role: 'tool', content: textOf(m.content), tool_call_id: m.tool_call_id };
      }
      default:
        throw new BadRequestError(`Ollama does not accept messages with role '${m.role}'; send tool results as role 'tool'.`, { param: `messages[${i}].role` });
    }
  });
}

function parseArguments(args: string, param: string): Record<string, unknown> {
  if (!args) return {};
  try {
    const v: unknown = JSON.parse(args);
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // refused below
  }
  throw new BadRequestError('Tool call arguments must be a JSON object for Ollama.', { param });
}

export function convertTool(t: Tool): Record<string, unknown> {
  const f = t.function;
  const fn: Record<string, unknown> = { name: f.name, parameters: f.parameters ?? { type: 'object', properties: {} } };
  if (f.description) fn.description = f.description;
  return { type: 'function', function: fn };
}

/**
 * `think` from the request: Ollama's own `think`, else Anthropic-style `thinking`, else
 * reasoning_effort as LiteLLM maps it — the level for gpt-oss (which only takes levels; "max" and
 * "xhigh" become "high", the most harmony understands), true/false for other models.
 */
export function thinkOf(request: ChatCompletionRequest, model: string): boolean | string | undefined {
  if (request.think !== undefined && request.think !== null) return request.think as boolean | string;
  const t = request.thinking;
  if (t && typeof t === 'object') return t.type === 'enabled';
  const effort = request.reasoning_effort;
  if (!effort) return undefined;
  if (effort === 'none') return false;
  if (model.startsWith('gpt-oss')) return effort === 'minimal' ? 'low' : effort === 'xhigh' ? 'high' : effort;
  return true;
}

/** response_format -> `format`: "json", or the JSON schema itself. */
export function formatOf(request: ChatCompletionRequest): unknown {
  if (request.format !== undefined) return request.format;
  const rf = request.response_format;
  if (rf?.type === 'json_object') return 'json';
  if (rf?.type === 'json_schema') return rf.json_schema?.schema ?? 'json';
  return undefined;
}

export interface OllamaBodyOptions {
  model: string;
  dropParams: boolean;
  /** Deployment-level options every request starts from. */
  options?: Readonly<Record<string, unknown>>;
  keepAlive?: string | number;
  /**
   * Ollama-native client fields this deployment forwards (`allowed_client_params`): `options`,
   * `keep_alive`, `think`, `format`, `truncate`, `shift`, or option names such as `num_ctx`.
   * They steer the operator's hardware (context size, GPUs, how long a model stays loaded), so
   * other deployments ignore them with a warning, as the core does for any non-OpenAI field.
   */
  allowed?: ReadonlySet<string>;
}

const NONE: ReadonlySet<string> = new Set();

/** The core's wording for a client field a deployment does not forward (params.ts). */
export const ignoredParam = (key: string): string => `ignored param '${key}' (not forwarded upstream; a deployment may allow it with allowed_client_params)`;

/** The request without the non-OpenAI fields this deployment does not forward (each noted in warnings). */
function withoutUnallowed(request: ChatCompletionRequest, allowed: ReadonlySet<string>, ctx: RequestContext | null): ChatCompletionRequest {
  let out: Record<string, unknown> | null = null;
  for (const key in request) {
    if (CANONICAL_CHAT_PARAMS.has(key) || (request as Record<string, unknown>)[key] === undefined) continue;
    const native = NATIVE_FIELDS.has(key) || key in OLLAMA_OPTIONS_TABLE;
    if (native && allowed.has(key) && !isDeniedClientParam(key)) continue;
    out ??= { ...request };
    delete out[key];
    ctx?.warnings.push(ignoredParam(key));
  }
  return (out as ChatCompletionRequest | null) ?? request;
}

/** Canonical (OpenAI) request -> Ollama `POST /api/chat` body. */
export function buildOllamaChatBody(original: ChatCompletionRequest, o: OllamaBodyOptions, ctx: RequestContext | null): Record<string, unknown> {
  const request = withoutUnallowed(original, o.allowed ?? NONE, ctx);
  const r = request as Record<string, unknown>;
  const skip = new Set([...TOP_LEVEL, ...DROPPED]);
  for (const key in r) {
    if (r[key] === undefined || r[key] === null || skip.has(key) || key in OLLAMA_OPTIONS_TABLE) continue;
    if (!(NEUTRAL[key]?.(r[key]) ?? false)) refuse(key, o.dropParams, ctx);
    skip.add(key);
  }
  const choice = request.tool_choice;
  if (choice !== undefined && !NEUTRAL.tool_choice(choice)) refuse('tool_choice', o.dropParams, ctx);

  const body: Record<string, unknown> = { model: o.model, messages: convertMessages(request.messages) };
  // tool_choice "none": the model is offered no tools.
  if (request.tools?.length && choice !== 'none') body.tools = request.tools.map(convertTool);
  const format = formatOf(request);
  if (format !== undefined) body.format = format;
  const options: Record<string, unknown> = { ...o.options };
  // max_completion_tokens wins over max_tokens.
  if (request.max_completion_tokens != null) skip.add('max_tokens');
  optionsTable(o.dropParams).apply(r, options, ctx, skip);
  if (request.options != null) {
    if (typeof request.options !== 'object' || Array.isArray(request.options)) throw new BadRequestError("Ollama's options must be an object.", { param: 'options' });
    Object.assign(options, request.options);
  }
  if (Object.keys(options).length) body.options = options;
  const keepAlive = request.keep_alive ?? o.keepAlive;
  if (keepAlive !== undefined && keepAlive !== null) body.keep_alive = keepAlive;
  const think = thinkOf(request, o.model);
  if (think !== undefined) body.think = think;
  for (const key of ['truncate', 'shift', 'logprobs', 'top_logprobs']) if (r[key] !== undefined && r[key] !== null) body[key] = r[key];
  // Ollama streams unless told not to.
  body.stream = request.stream === true;
  return body;
}
