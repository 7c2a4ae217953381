import {
  BadRequestError,
  compileParamTable,
  type ChatCompletionRequest,
  type ChatMessage,
  type CompiledParams,
  type ParamTable,
  type RequestContext,
  type TextContentPart,
  type Tool,
  type ToolChoice,
} from '@tollgate/core';
import { signatureFromId } from './ids.js';
import { userPart } from './media.js';
import { toGeminiParameters, toGeminiSchema } from './schema.js';
import type {
  GeminiContent,
  GeminiGenerationConfig,
  GeminiPart,
  GeminiSchema,
  GeminiThinkingConfig,
  GeminiTool,
  GeminiToolConfig,
  GenerateContentRequest,
} from './types.js';

/** OpenAI allows null for "not set"; Gemini gets nothing then. */
const keep = { transform: (v: unknown) => (v === null ? undefined : v) };

/**
 * OpenAI params -> `generationConfig`, declaratively. Params the adapter maps by hand (messages,
 * tools, response_format, reasoning) are skipped here; params Gemini has no equivalent for are
 * refused (400) or dropped with a warning under drop_params.
 */
const TABLE: ParamTable = {
  temperature: { to: 'temperature', ...keep },
  top_p: { to: 'topP', ...keep },
  top_k: { to: 'topK', ...keep },
  // max_completion_tokens is the current name; it wins when both are given.
  max_tokens: { to: 'maxOutputTokens', transform: (v, r) => r.max_completion_tokens ?? v ?? undefined },
  max_completion_tokens: { to: 'maxOutputTokens', ...keep },
  n: { to: 'candidateCount', ...keep },
  stop: { to: 'stopSequences', transform: (v) => (v == null ? undefined : Array.isArray(v) ? v : [v]) },
  seed: { to: 'seed', ...keep },
  presence_penalty: { to: 'presencePenalty', ...keep },
  frequency_penalty: { to: 'frequencyPenalty', ...keep },
  logprobs: { to: 'responseLogprobs', ...keep },
  top_logprobs: { to: 'logprobs', ...keep },
  logit_bias: { unsupported: true },
  prediction: { unsupported: true },
  audio: { unsupported: true },
  verbosity: { unsupported: true },
  functions: { unsupported: true },
  function_call: { unsupported: true },
  // OpenAI bookkeeping with no Gemini meaning: dropped silently.
  user: { drop: true },
  metadata: { drop: true },
  store: { drop: true },
  service_tier: { drop: true },
  parallel_tool_calls: { drop: true },
  stream_options: { drop: true },
};

/** Handled by hand below (and `model`/`stream`, which live in the URL). */
const HANDLED = new Set([
  'model', 'messages', 'stream', 'tools', 'tool_choice', 'response_format', 'reasoning_effort', 'thinking',
  'include_thoughts', 'web_search_options', 'modalities', 'safety_settings', 'cached_content',
]);

export function compileChatParams(dropParams: boolean, provider: string): CompiledParams {
  return compileParamTable(TABLE, { dropParams, provider, unknown: 'none' });
}

/** Thinking budgets per reasoning_effort, as LiteLLM sets them. */
const BUDGET: Record<string, number> = { low: 1024, medium: 2048, high: 4096, xhigh: 8192 };

function minimalBudget(model: string): number {
  // The smallest budget each 2.5 model accepts (flash-lite starts at 512, pro at 128).
  if (model.includes('flash-lite')) return 512;
  if (model.includes('2.5-flash')) return 1;
  return 128;
}

function thinkingConfig(r: ChatCompletionRequest, model: string): GeminiThinkingConfig | undefined {
  let cfg: GeminiThinkingConfig | undefined;
  const effort = r.reasoning_effort;
  if (effort === 'none') cfg = { thinkingBudget: 0 };
  else if (effort === 'minimal') cfg = { thinkingBudget: minimalBudget(model), includeThoughts: true };
  else if (effort) {
    const budget = BUDGET[effort];
    if (budget === undefined) throw new BadRequestError(`Unknown reasoning_effort '${effort}'.`, { param: 'reasoning_effort' });
    cfg = { thinkingBudget: budget, includeThoughts: true };
  }
  if (r.thinking) {
    cfg = r.thinking.type === 'enabled'
      ? { ...(r.thinking.budget_tokens !== undefined ? { thinkingBudget: r.thinking.budget_tokens } : {}), includeThoughts: true }
      : { thinkingBudget: 0 };
  }
  if (typeof r.include_thoughts === 'boolean') cfg = { ...cfg, includeThoughts: r.include_thoughts };
  return cfg;
}

function text(content: string | TextContentPart[] | null | undefined): string {
  if (content == null) return '';
  return typeof content === 'string' ? content : content.map((p) => (p.type === 'text' ? p.text : '')).join('');
}

/** A tool result becomes functionResponse.response, which must be a JSON object. */
function responseObject(content: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(content);
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
    return { content: v };
  } catch {
    return { content };
  }
}

function parseArgs(args: string, where: string): Record<string, unknown> {
  if (!args.trim()) return {};
  let v: unknown;
  try {
    v = JSON.parse(args);
  } catch {
    throw new BadRequestError(`${where}.function.arguments is not valid JSON.`, { param: 'messages' });
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new BadRequestError(`${where}.function.arguments must be a JSON object.`, { param: 'messages' });
  return v as Record<string, unknown>;
}

type Kind = 'user' | 'model' | 'tool';

/**
 * OpenAI messages -> Gemini contents. System and developer messages become systemInstruction;
 * consecutive user (or assistant) messages merge into one turn; tool results become one user turn
 * of functionResponse parts, named after the assistant tool call they answer (looked up by id).
 */
export function toContents(messages: ChatMessage[]): { contents: GeminiContent[]; systemInstruction?: GeminiContent } {
  const system: GeminiPart[] = [];
  const contents: GeminiContent[] = [];
  const kinds: Kind[] = [];
  const callNames = new Map<string, string>();
  const push = (kind: Kind, parts: GeminiPart[]): void => {
    if (parts.length === 0) return;
    const last = contents.length - 1;
    if (last >= 0 && kinds[last] === kind) contents[last].parts.push(...parts);
    else {
      contents.push({ role: kind === 'model' ? 'model' : 'user', parts });
      kinds.push(kind);
    }
  };

  messages.forEach((m, i) => {
    const where = `messages[${i}]`;
    switch (m.role) {
      case 'system':
      case 'developer': {
        const t = text(m.content);
        if (t) system.push({ text: t });
        break;
      }
      case 'user': {
        const parts = typeof m.content === 'string' || m.content == null
          ? (m.content ? [{ text: m.content }] : [])
          : m.content.map((p, j) => userPart(p, `${where}.content[${j}]`)).filter((p): p is GeminiPart => p !== null);
        push('user', parts);
        break;
      }
      case 'assistant': {
        const parts: GeminiPart[] = [];
        const t = typeof m.content === 'string' || m.content == null
          ? (m.content ?? '')
          : m.content.map((p) => (p.type === 'text' ? p.text : '')).join('');
        if (t) parts.push({ text: t });
        m.tool_calls?.forEach((tc, j) => {
          const part: GeminiPart = { functionCall: { name: tc.function.name, args: parseArgs(tc.function.arguments, `${where}.tool_calls[${j}]`) } };
          const sig = signatureFromId(tc.id);
          if (sig) part.thoughtSignature = sig;
          parts.push(part);
          callNames.set(tc.id, tc.function.name);
        });
        if (m.function_call) parts.push({ functionCall: { name: m.function_call.name, args: parseArgs(m.function_call.arguments, `${where}.function_call`) } });
        push('model', parts);
        break;
      }
      case 'tool': {
        const name = callNames.get(m.tool_call_id);
        if (!name) {
          throw new BadRequestError(`${where}: tool_call_id '${m.tool_call_id}' does not answer a tool call of an earlier assistant message.`, { param: 'messages' });
        }
        push('tool', [{ functionResponse: { name, response: responseObject(text(m.content)) } }]);
        break;
      }
      case 'function':
        push('tool', [{ functionResponse: { name: m.name, response: responseObject(m.content ?? '') } }]);
        break;
      default:
        throw new BadRequestError(`${where}: role '${(m as { role: string }).role}' is not supported.`, { param: 'messages' });
    }
  });
  return system.length ? { contents, systemInstruction: { parts: system } } : { contents };
}

export function toTools(tools: Tool[] | undefined, webSearch: unknown): GeminiTool[] | undefined {
  const out: GeminiTool[] = [];
  if (tools?.length) {
    out.push({
      functionDeclarations: tools.map((t, i) => {
        if (t.type !== 'function') throw new BadRequestError(`tools[${i}]: only function tools are supported by Gemini.`, { param: 'tools' });
        const f = t.function;
        const parameters = toGeminiParameters(f.parameters);
        return { name: f.name, ...(f.description ? { description: f.description } : {}), ...(parameters ? { parameters } : {}) };
      }),
    });
  }
  // Gemini's grounding with Google Search is the closest thing to OpenAI's web search.
  if (webSearch != null) out.push({ googleSearch: {} });
  return out.length ? out : undefined;
}

export function toToolConfig(choice: ToolChoice | undefined): GeminiToolConfig | undefined {
  if (choice === undefined || choice === null) return undefined;
  if (choice === 'auto') return { functionCallingConfig: { mode: 'AUTO' } };
  if (choice === 'none') return { functionCallingConfig: { mode: 'NONE' } };
  if (choice === 'required') return { functionCallingConfig: { mode: 'ANY' } };
  if (typeof choice === 'object' && choice.type === 'function' && choice.function?.name) {
    return { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [choice.function.name] } };
  }
  throw new BadRequestError(`Unsupported tool_choice ${JSON.stringify(choice)}.`, { param: 'tool_choice' });
}

/** Keeps the declared key order in the model's JSON (Gemini orders keys alphabetically otherwise). */
function withPropertyOrdering(s: GeminiSchema): GeminiSchema {
  if (s.properties) {
    for (const k in s.properties) s.properties[k] = withPropertyOrdering(s.properties[k]);
    s.propertyOrdering ??= Object.keys(s.properties);
  }
  if (s.items) s.items = withPropertyOrdering(s.items);
  if (s.anyOf) s.anyOf = s.anyOf.map(withPropertyOrdering);
  return s;
}

function responseFormat(r: ChatCompletionRequest, gen: GeminiGenerationConfig): void {
  const f = r.response_format;
  if (!f || f.type === 'text') return;
  gen.responseMimeType = 'application/json';
  if (f.type === 'json_schema' && f.json_schema?.schema) {
    gen.responseSchema = withPropertyOrdering(toGeminiSchema(f.json_schema.schema, 'response_format'));
  }
}

/** What buildGenerateContent needs of the deployment (compiled once at start-up). */
export interface ChatParams {
  params: CompiledParams;
  dropParams: boolean;
  provider: string;
}

/** The canonical chat request -> a generateContent body. */
export function buildGenerateContent(r: ChatCompletionRequest, p: ChatParams, ctx: RequestContext | null, model: string): GenerateContentRequest {
  const { contents, systemInstruction } = toContents(r.messages);
  const body: GenerateContentRequest = { contents };
  if (systemInstruction) body.systemInstruction = systemInstruction;

  const tools = toTools(r.tools, r.web_search_options);
  if (tools) body.tools = tools;
  if (r.tools?.length) {
    const toolConfig = toToolConfig(r.tool_choice);
    if (toolConfig) body.toolConfig = toolConfig;
  }

  const gen: GeminiGenerationConfig = {};
  const req = r as Record<string, unknown>;
  p.params.apply(req, gen as Record<string, unknown>, ctx, HANDLED);
  if (r.modalities && r.modalities.some((m) => m !== 'text')) {
    // Only text output is translated back; audio or image output would be lost.
    if (!p.dropParams) {
      throw new BadRequestError(`${p.provider} through Tollgate returns text only: 'modalities' other than 'text' are not supported. Remove it, or set drop_params: true.`, { param: 'modalities', code: 'unsupported_parameter' });
    }
    ctx?.warnings.push("dropped unsupported param 'modalities'");
  }
  responseFormat(r, gen);
  const thinking = thinkingConfig(r, model);
  if (thinking) gen.thinkingConfig = thinking;
  if (Object.keys(gen).length) body.generationConfig = gen;

  if (Array.isArray(r.safety_settings)) body.safetySettings = r.safety_settings as GenerateContentRequest['safetySettings'];
  if (typeof r.cached_content === 'string') body.cachedContent = r.cached_content;

  if (ctx) {
    for (const k in req) if (req[k] !== undefined && !(k in TABLE) && !HANDLED.has(k)) ctx.warnings.push(`ignored param '${k}' (unknown to Gemini)`);
  }
  return body;
}
