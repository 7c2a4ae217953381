import {
  BadRequestError,
  compileParamTable,
  type ChatCompletionRequest,
  type ChatMessage,
  type CompiledParams,
  type ParamTable,
  type RequestContext,
  type Tool,
} from '@tollgate/core';
import type { CohereContentItem, CohereDocument, CohereMessage, CohereTextItem, CohereTool, CohereToolCall } from './types.js';

/** reasoning_effort -> thinking.token_budget (the budgets the Anthropic adapter uses; Cohere takes any budget). */
export const EFFORT_BUDGET: Readonly<Record<string, number>> = { minimal: 1024, low: 1024, medium: 2048, high: 4096, xhigh: 8192 };

const keep = { transform: (v: unknown) => (v === null ? undefined : v) };
const unsupported = { unsupported: true };

/**
 * OpenAI params -> Cohere v2 chat fields (docs.cohere.com/reference/chat: temperature 0..1, p 0.01..0.99,
 * k 0..500, penalties 0..1; values outside are clamped with a warning). Cohere-native fields
 * (`citation_options`, `safety_mode`, `strict_tools`, `priority`) reach the API when the deployment
 * lists them in `allowed_client_params`; Cohere itself refuses what it does not know (422 "unknown field").
 */
export const COHERE_CHAT_PARAMS: ParamTable = {
  temperature: { ...keep, min: 0, max: 1 },
  top_p: { ...keep, to: 'p', min: 0.01, max: 0.99 },
  top_k: { ...keep, to: 'k', min: 0, max: 500 },
  frequency_penalty: { ...keep, min: 0, max: 1 },
  presence_penalty: { ...keep, min: 0, max: 1 },
  seed: keep,
  // Gateway-side tagging and OpenAI cache/safety hints; Cohere has no field for them.
  user: { drop: true },
  metadata: { drop: true },
  safety_identifier: { drop: true },
  prompt_cache_key: { drop: true },
  // Cohere returns logprobs per token id, not OpenAI's per-token alternatives.
  logprobs: unsupported,
  top_logprobs: unsupported,
  logit_bias: unsupported,
  n: unsupported,
  parallel_tool_calls: unsupported,
  modalities: unsupported,
  audio: unsupported,
  prediction: unsupported,
  web_search_options: unsupported,
  verbosity: unsupported,
  functions: unsupported,
  function_call: unsupported,
  store: unsupported,
  service_tier: unsupported,
};

/** Params the builder maps itself. */
const HANDLED = [
  'model', 'messages', 'stream', 'stream_options', 'tools', 'tool_choice', 'response_format', 'stop', 'max_tokens',
  'max_completion_tokens', 'reasoning_effort', 'thinking', 'documents',
];

/** Values that ask for nothing, so they are not refused. */
const NEUTRAL: Readonly<Record<string, (v: unknown) => boolean>> = {
  logprobs: (v) => v === false,
  top_logprobs: (v) => v === 0,
  store: (v) => v === false,
  n: (v) => v === 1,
  parallel_tool_calls: (v) => v === true,
  service_tier: (v) => v === 'auto',
  modalities: (v) => Array.isArray(v) && v.every((m) => m === 'text'),
};

/** The chat table for a deployment: its drop_params and the client fields it allows. */
export function cohereChatParams(dropParams: boolean, allowed?: readonly string[]): CompiledParams {
  return compileParamTable(COHERE_CHAT_PARAMS, { dropParams, provider: 'Cohere', allowed });
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((p: { type?: string; text?: string; refusal?: string }) => (p.type === 'text' ? p.text ?? '' : p.type === 'refusal' ? p.refusal ?? '' : '')).join('');
}

function textItems(content: string | Array<{ type: string; text?: string }>): string | CohereTextItem[] {
  return typeof content === 'string' ? content : content.filter((p) => p.type === 'text').map((p) => ({ type: 'text', text: p.text ?? '' }));
}

const TEXT_FILE = /^data:((text\/[\w.+-]+)|application\/json)(;[^,]*)?;base64,/;

/**
 * A text file part becomes a Cohere document (as the Vercel AI SDK's Cohere provider does), so the
 * model can cite it; other files have no place in Cohere's chat.
 */
function fileDocument(part: { file?: { file_data?: string; filename?: string } }, param: string): CohereDocument {
  const data = part.file?.file_data ?? '';
  const m = TEXT_FILE.exec(data);
  if (!m) throw new BadRequestError('Cohere accepts text files only (text/* or application/json data URLs), as documents.', { param });
  const text = Buffer.from(data.slice(m[0].length), 'base64').toString('utf8');
  return { data: part.file?.filename ? { text, title: part.file.filename } : { text } };
}

export interface ConvertedMessages {
  messages: CohereMessage[];
  /** Documents taken from text file parts. */
  documents: CohereDocument[];
}

/**
 * OpenAI messages -> Cohere v2 messages. An assistant turn with tool calls carries its reasoning (or
 * text) as `tool_plan`, as Cohere's tool-use guide sends it back; `name` and cache markers are dropped.
 */
export function convertMessages(messages: ChatMessage[]): ConvertedMessages {
  const out: CohereMessage[] = [];
  const documents: CohereDocument[] = [];
  messages.forEach((m, i) => {
    switch (m.role) {
      case 'system':
      case 'developer':
        out.push({ role: 'system', content: textItems(m.content) });
        break;
      case 'user': {
        if (typeof m.content === 'string') { out.push({ role: 'user', content: m.content }); break; }
        const items: CohereContentItem[] = [];
        m.content.forEach((p, j) => {
          const param = `messages[${i}].content[${j}]`;
          if (p.type === 'text') items.push({ type: 'text', text: p.text });
          else if (p.type === 'image_url') items.push({ type: 'image_url', image_url: p.image_url.detail ? { url: p.image_url.url, detail: p.image_url.detail } : { url: p.image_url.url } });
          else if (p.type === 'file') documents.push(fileDocument(p, param));
          else throw new BadRequestError(`Cohere does not accept '${p.type}' content parts.`, { param });
        });
        out.push({ role: 'user', content: items });
        break;
      }
      case 'assistant': {
        const text = textOf(m.content);
        if (m.tool_calls?.length) {
          const calls: CohereToolCall[] = m.tool_calls.map((t) => ({ id: t.id, type: 'function', function: { name: t.function.name, arguments: t.function.arguments } }));
          const plan = m.reasoning_content || text;
          out.push(plan ? { role: 'assistant', tool_calls: calls, tool_plan: plan } : { role: 'assistant', tool_calls: calls });
        } else {
          out.push({ role: 'assistant', content: text });
        }
        break;
      }
      case 'tool':
        out.push({ role: 'tool', tool_call_id: m.tool_call_id, content: textItems(m.content) });
        break;
      default:
        throw new BadRequestError(`Cohere does not accept messages with role '${m.role}'; send tool results as role 'tool'.`, { param: `messages[${i}].role` });
    }
  });
  return { messages: out, documents };
}

export function convertTool(t: Tool): CohereTool {
  const f = t.function;
  const tool: CohereTool = { type: 'function', function: { name: f.name, parameters: f.parameters ?? { type: 'object', properties: {} } } };
  if (f.description) tool.function.description = f.description;
  return tool;
}

export function thinkingOf(request: ChatCompletionRequest): { type: 'enabled' | 'disabled'; token_budget?: number } | undefined {
  const t = request.thinking as { type?: string; budget_tokens?: number; token_budget?: number } | null | undefined;
  if (t && typeof t === 'object') {
    if (t.type !== 'enabled') return { type: 'disabled' };
    const budget = t.token_budget ?? t.budget_tokens;
    return typeof budget === 'number' ? { type: 'enabled', token_budget: budget } : { type: 'enabled' };
  }
  const effort = request.reasoning_effort;
  if (!effort) return undefined;
  if (effort === 'none') return { type: 'disabled' };
  return { type: 'enabled', token_budget: EFFORT_BUDGET[effort] ?? EFFORT_BUDGET.medium };
}

export interface CohereBodyOptions {
  model: string;
  dropParams: boolean;
  /** The deployment's table, compiled once in `prepare` (with its `allowed_client_params`); without one, none allowed. */
  params?: CompiledParams;
}

/** Canonical (OpenAI) request -> Cohere `POST /v2/chat` body. */
export function buildCohereChatBody(request: ChatCompletionRequest, options: CohereBodyOptions, ctx: RequestContext | null): Record<string, unknown> {
  const warn = (m: string): void => { ctx?.warnings.push(m); };
  const r = request as Record<string, unknown>;
  const skip = new Set(HANDLED);
  for (const [key, neutral] of Object.entries(NEUTRAL)) if (r[key] !== undefined && neutral(r[key])) skip.add(key);

  const { messages, documents } = convertMessages(request.messages);
  const body: Record<string, unknown> = { model: options.model, messages };

  let tools = (request.tools ?? []).map(convertTool);
  const choice = request.tool_choice;
  if (tools.length && choice !== undefined && choice !== 'auto') {
    if (choice === 'none') body.tool_choice = 'NONE';
    else if (choice === 'required') body.tool_choice = 'REQUIRED';
    else if (typeof choice === 'object' && choice.function?.name) {
      // Cohere's tool_choice cannot name a tool: offer only that one and require a call.
      const named = tools.filter((t) => t.function.name === choice.function.name);
      if (!named.length) throw new BadRequestError(`tool_choice names '${choice.function.name}', which is not in tools.`, { param: 'tool_choice' });
      tools = named;
      body.tool_choice = 'REQUIRED';
      warn(`narrowed tools to '${choice.function.name}': Cohere's tool_choice cannot name a function`);
    }
  }
  if (tools.length) {
    body.tools = tools;
    if (request.tools!.every((t) => t.function.strict === true)) body.strict_tools = true;
  }

  const given = request.documents ?? [];
  if (!Array.isArray(given)) throw new BadRequestError('documents must be a list of strings or {data, id} objects.', { param: 'documents' });
  const allDocs = [...given, ...documents];
  if (allDocs.length) body.documents = allDocs;

  const rf = request.response_format;
  if (rf?.type === 'json_object') body.response_format = { type: 'json_object' };
  else if (rf?.type === 'json_schema') body.response_format = rf.json_schema?.schema ? { type: 'json_object', json_schema: rf.json_schema.schema } : { type: 'json_object' };

  const maxTokens = request.max_completion_tokens ?? request.max_tokens;
  if (maxTokens != null) body.max_tokens = maxTokens;
  if (request.stop != null) {
    const stop = (Array.isArray(request.stop) ? request.stop : [request.stop]).filter((s) => typeof s === 'string' && s !== '');
    if (stop.length) body.stop_sequences = stop;
  }
  const thinking = thinkingOf(request);
  if (thinking) body.thinking = thinking;

  (options.params ?? cohereChatParams(options.dropParams)).apply(r, body, ctx, skip);
  if (request.stream) body.stream = true;
  return body;
}
