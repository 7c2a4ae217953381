/**
 * Request validation for the Bedrock mock: what bedrock-runtime refuses in Converse / ConverseStream
 * bodies, answered in its shape (`x-amzn-ErrorType` header, body `{"message": ...}`, HTTP status from
 * the service model's @httpError traits).
 *
 * Field names: the Bedrock Runtime API reference (API_runtime_Converse.html, API_runtime_ContentBlock.html,
 * API_runtime_ToolConfiguration.html) and `@aws-sdk/client-bedrock-runtime` models. Error wording,
 * where the service's own is known, from real answers quoted in public issues ("A conversation must
 * start with a user message...", "Malformed input request: #: extraneous key [k] is not permitted").
 */
import { HttpError } from './http.js';

/** HTTP status per Bedrock error type (@httpError in the bedrock-runtime Smithy model; AWS common errors). */
export const BEDROCK_ERROR_STATUS: Readonly<Record<string, number>> = {
  ValidationException: 400,
  ServiceQuotaExceededException: 400,
  ConflictException: 400,
  AccessDeniedException: 403,
  UnrecognizedClientException: 403,
  InvalidSignatureException: 403,
  IncompleteSignatureException: 403,
  MissingAuthenticationTokenException: 403,
  ExpiredTokenException: 403,
  ResourceNotFoundException: 404,
  ModelTimeoutException: 408,
  ModelErrorException: 424,
  ModelStreamErrorException: 424,
  ThrottlingException: 429,
  ModelNotReadyException: 429,
  InternalServerException: 500,
  ServiceUnavailableException: 503,
};

/** A Bedrock error answer. The header carries the type the way the service sends it (`Type:namespace-url`). */
export function bedrockError(type: string, message: string, status = BEDROCK_ERROR_STATUS[type] ?? 400, messageKey = 'message'): HttpError {
  return new HttpError(status, { [messageKey]: message }, {
    'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/`,
    'x-amzn-requestid': 'mock-request-id',
  });
}
const invalid = (message: string): HttpError => bedrockError('ValidationException', message);
const extraneous = (path: string, key: string): HttpError =>
  invalid(`Malformed input request: #${path}: extraneous key [${key}] is not permitted, please reformat your input and try again.`);

const isObject = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function only(obj: Record<string, unknown>, allowed: readonly string[], path: string): void {
  for (const k of Object.keys(obj)) if (!allowed.includes(k)) throw extraneous(path, k);
}
/** A union member: exactly one key set, among `members`. */
function member(v: unknown, members: readonly string[], path: string): string {
  if (!isObject(v)) throw invalid(`Malformed input request: #${path}: expected type: JSONObject, please reformat your input and try again.`);
  const keys = Object.keys(v);
  for (const k of keys) if (!members.includes(k)) throw extraneous(path, k);
  if (keys.length !== 1) throw invalid(`Malformed input request: #${path}: exactly one member must be set, found ${keys.length}, please reformat your input and try again.`);
  return keys[0];
}

const TOP_LEVEL = [
  'messages', 'system', 'inferenceConfig', 'toolConfig', 'guardrailConfig', 'additionalModelRequestFields', 'promptVariables',
  'additionalModelResponseFieldPaths', 'requestMetadata', 'performanceConfig', 'serviceTier', 'outputConfig',
];
const CONTENT = ['text', 'image', 'document', 'video', 'audio', 'toolUse', 'toolResult', 'guardContent', 'cachePoint', 'reasoningContent', 'citationsContent', 'searchResult'];
const USER_ONLY = new Set(['image', 'document', 'video', 'audio', 'toolResult']);
const ASSISTANT_ONLY = new Set(['toolUse', 'reasoningContent', 'citationsContent']);
const SYSTEM = ['text', 'guardContent', 'cachePoint'];
const IMAGE_FORMATS = ['gif', 'jpeg', 'png', 'webp'];
const DOC_FORMATS = ['csv', 'doc', 'docx', 'html', 'md', 'pdf', 'txt', 'xls', 'xlsx'];
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
// DocumentBlock.name: alphanumerics, single whitespace, hyphens, parentheses, square brackets.
const DOC_NAME = /^(?!.*\s{2})[a-zA-Z0-9\s\-()[\]]{1,200}$/;

function cachePoint(v: unknown, path: string): void {
  if (!isObject(v)) throw invalid(`Malformed input request: #${path}: expected type: JSONObject, please reformat your input and try again.`);
  only(v, ['type', 'ttl'], path);
  if (v.type !== 'default') throw invalid(`Malformed input request: #${path}/type: ${String(v.type)} is not a valid enum value, please reformat your input and try again.`);
  if (v.ttl !== undefined && v.ttl !== '5m' && v.ttl !== '1h') throw invalid(`Malformed input request: #${path}/ttl: ${String(v.ttl)} is not a valid enum value, please reformat your input and try again.`);
}

function bytesSource(v: unknown, path: string, extra: readonly string[] = []): void {
  const kind = member(v, ['bytes', 's3Location', ...extra], path);
  const s = (v as Record<string, any>)[kind];
  if (kind === 'bytes' && (typeof s !== 'string' || !s || !BASE64.test(s))) throw invalid(`Malformed input request: #${path}/bytes: expected a base64-encoded blob, please reformat your input and try again.`);
  if (kind === 's3Location' && (!isObject(s) || typeof s.uri !== 'string' || !s.uri.startsWith('s3://'))) throw invalid(`Malformed input request: #${path}/s3Location/uri: must start with s3://, please reformat your input and try again.`);
  if (kind === 'text' && typeof s !== 'string') throw invalid(`Malformed input request: #${path}/text: expected type: String, please reformat your input and try again.`);
}

function image(v: unknown, path: string): void {
  if (!isObject(v)) throw invalid(`Malformed input request: #${path}: expected type: JSONObject, please reformat your input and try again.`);
  only(v, ['format', 'source'], path);
  if (!IMAGE_FORMATS.includes(v.format)) throw invalid(`Malformed input request: #${path}/format: ${String(v.format)} is not a valid enum value, please reformat your input and try again.`);
  bytesSource(v.source, `${path}/source`);
}

function document(v: unknown, path: string): void {
  if (!isObject(v)) throw invalid(`Malformed input request: #${path}: expected type: JSONObject, please reformat your input and try again.`);
  only(v, ['format', 'name', 'source', 'context', 'citations'], path);
  if (v.format !== undefined && !DOC_FORMATS.includes(v.format)) throw invalid(`Malformed input request: #${path}/format: ${String(v.format)} is not a valid enum value, please reformat your input and try again.`);
  if (typeof v.name !== 'string' || !DOC_NAME.test(v.name)) {
    throw invalid('The document file name can only contain alphanumeric characters, whitespace characters, hyphens, parentheses, and square brackets. The name can\'t contain more than one consecutive whitespace character.');
  }
  bytesSource(v.source, `${path}/source`, ['text', 'content']);
}

function toolResultContent(v: unknown, path: string): void {
  const kind = member(v, ['text', 'json', 'image', 'document', 'video', 'searchResult'], path);
  const c = (v as Record<string, any>)[kind];
  if (kind === 'text' && typeof c !== 'string') throw invalid(`Malformed input request: #${path}/text: expected type: String, please reformat your input and try again.`);
  if (kind === 'json' && !isObject(c)) throw invalid(`Malformed input request: #${path}/json: expected type: JSONObject, please reformat your input and try again.`);
  if (kind === 'image') image(c, `${path}/image`);
  if (kind === 'document') document(c, `${path}/document`);
}

/** One validated content block, reduced to what the reply needs. */
export type Block =
  | { kind: 'text'; text: string }
  | { kind: 'toolUse'; id: string; name: string; input: unknown }
  | { kind: 'toolResult'; id: string; text: string }
  | { kind: 'reasoning'; text: string; signature?: string; redacted?: string }
  | { kind: 'cachePoint' }
  | { kind: 'media' };

function block(b: unknown, role: string, path: string, issued: Set<string>): Block {
  const kind = member(b, CONTENT, path);
  const v = (b as Record<string, any>)[kind];
  if (role === 'user' && ASSISTANT_ONLY.has(kind)) throw invalid(`The content block ${kind} at ${path.slice(1).replace(/\//g, '.')} is not allowed in a user message.`);
  if (role === 'assistant' && USER_ONLY.has(kind) && kind !== 'image' && kind !== 'document') {
    throw invalid(`The content block ${kind} at ${path.slice(1).replace(/\//g, '.')} is not allowed in an assistant message.`);
  }
  switch (kind) {
    case 'text':
      if (typeof v !== 'string') throw invalid(`Malformed input request: #${path}/text: expected type: String, please reformat your input and try again.`);
      if (!v.trim()) throw invalid('The text field in the ContentBlock object at ' + path.slice(1).replace(/\//g, '.') + ' is blank. Add text to the text field, and try again.');
      return { kind: 'text', text: v };
    case 'image':
      image(v, `${path}/image`);
      return { kind: 'media' };
    case 'document':
      document(v, `${path}/document`);
      return { kind: 'media' };
    case 'cachePoint':
      cachePoint(v, `${path}/cachePoint`);
      return { kind: 'cachePoint' };
    case 'toolUse': {
      if (!isObject(v)) throw invalid(`Malformed input request: #${path}/toolUse: expected type: JSONObject, please reformat your input and try again.`);
      only(v, ['toolUseId', 'name', 'input', 'type'], `${path}/toolUse`);
      if (typeof v.toolUseId !== 'string' || !v.toolUseId) throw invalid(`Malformed input request: #${path}/toolUse: required key [toolUseId] not found, please reformat your input and try again.`);
      if (typeof v.name !== 'string' || !TOOL_NAME.test(v.name)) throw invalid(`Malformed input request: #${path}/toolUse/name: string does not match pattern ^[a-zA-Z0-9_-]{1,64}$, please reformat your input and try again.`);
      if (!isObject(v.input)) throw invalid(`Malformed input request: #${path}/toolUse: required key [input] not found or not an object, please reformat your input and try again.`);
      return { kind: 'toolUse', id: v.toolUseId, name: v.name, input: v.input };
    }
    case 'toolResult': {
      if (!isObject(v)) throw invalid(`Malformed input request: #${path}/toolResult: expected type: JSONObject, please reformat your input and try again.`);
      only(v, ['toolUseId', 'content', 'status', 'type'], `${path}/toolResult`);
      if (typeof v.toolUseId !== 'string' || !v.toolUseId) throw invalid(`Malformed input request: #${path}/toolResult: required key [toolUseId] not found, please reformat your input and try again.`);
      if (!Array.isArray(v.content)) throw invalid(`Malformed input request: #${path}/toolResult: required key [content] not found, please reformat your input and try again.`);
      v.content.forEach((c: unknown, i: number) => toolResultContent(c, `${path}/toolResult/content/${i}`));
      if (v.status !== undefined && v.status !== 'success' && v.status !== 'error') throw invalid(`Malformed input request: #${path}/toolResult/status: ${String(v.status)} is not a valid enum value, please reformat your input and try again.`);
      const text = v.content.map((c: Record<string, any>) => (typeof c.text === 'string' ? c.text : c.json !== undefined ? JSON.stringify(c.json) : '')).join('');
      return { kind: 'toolResult', id: v.toolUseId, text };
    }
    case 'reasoningContent': {
      const rk = member(v, ['reasoningText', 'redactedContent'], `${path}/reasoningContent`);
      if (rk === 'redactedContent') {
        if (typeof v.redactedContent !== 'string' || !issued.has(v.redactedContent)) throw invalid(`The model returned the following errors: ${path.slice(1).replace(/\//g, '.')}: Invalid \`data\` in \`redacted_thinking\` block`);
        return { kind: 'reasoning', text: '', redacted: v.redactedContent };
      }
      const r = v.reasoningText;
      if (!isObject(r)) throw invalid(`Malformed input request: #${path}/reasoningContent/reasoningText: expected type: JSONObject, please reformat your input and try again.`);
      only(r, ['text', 'signature'], `${path}/reasoningContent/reasoningText`);
      if (typeof r.text !== 'string') throw invalid(`Malformed input request: #${path}/reasoningContent/reasoningText: required key [text] not found, please reformat your input and try again.`);
      if (r.signature !== undefined && !issued.has(r.signature)) throw invalid(`The model returned the following errors: ${path.slice(1).replace(/\//g, '.')}: Invalid \`signature\` in \`thinking\` block`);
      return { kind: 'reasoning', text: r.text, signature: r.signature };
    }
    default:
      return { kind: 'media' };
  }
}

export interface ConverseValidated {
  turns: Array<{ role: 'user' | 'assistant'; blocks: Block[] }>;
  system: Array<{ text?: string; cachePoint?: boolean }>;
  tools: Array<{ name: string; inputSchema: Record<string, any> }>;
  toolChoice: { kind: 'auto' | 'any' | 'tool'; name?: string } | null;
  maxTokens: number | undefined;
  stopSequences: string[];
  thinkingBudget: number | null;
  toolsCached: boolean;
}

export interface ConverseValidateOptions {
  /** The model family from the model id ('anthropic', 'amazon', 'meta', ...): additionalModelRequestFields are checked per family. */
  family: string;
  /** Reasoning signatures and redacted payloads this mock issued (only these are accepted back). */
  issued: Set<string>;
}

function num(v: unknown, path: string, min: number, max: number, integer = false): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || (integer && !Number.isInteger(v))) throw invalid(`Malformed input request: #${path}: expected type: ${integer ? 'Integer' : 'Number'}, please reformat your input and try again.`);
  if (v < min || v > max) throw invalid(`1 validation error detected: Value '${v}' at '${path.slice(1).replace(/\//g, '.')}' failed to satisfy constraint: Member must have value ${v < min ? 'greater' : 'less'} than or equal to ${v < min ? min : max}`);
  return v;
}

/** Model-specific fields: Claude's are checked the way Anthropic's API checks them (relayed as "The model returned the following errors: ..."). */
function additionalFields(v: unknown, o: ConverseValidateOptions, maxTokens: number | undefined, temperature: number | undefined): number | null {
  if (v === undefined) return null;
  if (!isObject(v)) throw invalid('Malformed input request: #/additionalModelRequestFields: expected type: JSONObject, please reformat your input and try again.');
  const modelError = (m: string): HttpError => invalid(`The model returned the following errors: ${m}`);
  if (o.family !== 'anthropic') {
    if (v.thinking !== undefined) throw modelError('thinking: Extra inputs are not permitted');
    return null;
  }
  for (const k of Object.keys(v)) if (!['thinking', 'top_k', 'anthropic_beta', 'tool_choice'].includes(k)) throw modelError(`${k}: Extra inputs are not permitted`);
  if (v.top_k !== undefined && (!Number.isInteger(v.top_k) || v.top_k < 0)) throw modelError('top_k: Input should be a valid integer');
  const t = v.thinking;
  if (t === undefined) return null;
  if (!isObject(t) || !['enabled', 'disabled', 'adaptive'].includes(t.type)) throw modelError("thinking: Input tag found using 'type' does not match any of the expected tags: 'enabled', 'disabled', 'adaptive'");
  if (t.type !== 'enabled') return null;
  for (const k of Object.keys(t)) if (k !== 'type' && k !== 'budget_tokens') throw modelError(`thinking.enabled.${k}: Extra inputs are not permitted`);
  if (!Number.isInteger(t.budget_tokens)) throw modelError('thinking.enabled.budget_tokens: Field required');
  if (t.budget_tokens < 1024) throw modelError('thinking.enabled.budget_tokens: Input should be greater than or equal to 1024');
  if (maxTokens !== undefined && t.budget_tokens >= maxTokens) throw modelError('`max_tokens` must be greater than `thinking.budget_tokens`. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking#max-tokens-and-context-window-size');
  if (temperature !== undefined && temperature !== 1) throw modelError('`temperature` may only be set to 1 when thinking is enabled. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking#feature-compatibility');
  if (v.top_k !== undefined) throw modelError('`top_k` must be unset when thinking is enabled. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking#feature-compatibility');
  return t.budget_tokens;
}

export function validateConverse(body: Record<string, any>, o: ConverseValidateOptions): ConverseValidated {
  only(body, TOP_LEVEL, '');
  if (!Array.isArray(body.messages)) throw invalid('Malformed input request: #: required key [messages] not found, please reformat your input and try again.');
  if (body.messages.length === 0) throw invalid('A conversation must start with a user message. Try again with a conversation that starts with a user message.');

  const system: ConverseValidated['system'] = [];
  if (body.system !== undefined) {
    if (!Array.isArray(body.system)) throw invalid('Malformed input request: #/system: expected type: JSONArray, please reformat your input and try again.');
    body.system.forEach((s: unknown, i: number) => {
      const kind = member(s, SYSTEM, `/system/${i}`);
      const v = (s as Record<string, any>)[kind];
      if (kind === 'cachePoint') { cachePoint(v, `/system/${i}/cachePoint`); system.push({ cachePoint: true }); }
      else if (kind === 'text') {
        if (typeof v !== 'string' || !v.trim()) throw invalid(`The text field in the SystemContentBlock object at system.${i} is blank. Add text to the text field, and try again.`);
        system.push({ text: v });
      }
    });
  }

  const ic = body.inferenceConfig;
  let maxTokens: number | undefined;
  let temperature: number | undefined;
  let stopSequences: string[] = [];
  if (ic !== undefined) {
    if (!isObject(ic)) throw invalid('Malformed input request: #/inferenceConfig: expected type: JSONObject, please reformat your input and try again.');
    only(ic, ['maxTokens', 'temperature', 'topP', 'stopSequences'], '/inferenceConfig');
    maxTokens = num(ic.maxTokens, '/inferenceConfig/maxTokens', 1, Number.MAX_SAFE_INTEGER, true);
    temperature = num(ic.temperature, '/inferenceConfig/temperature', 0, 1);
    num(ic.topP, '/inferenceConfig/topP', 0, 1);
    if (ic.stopSequences !== undefined) {
      if (!Array.isArray(ic.stopSequences) || ic.stopSequences.some((s: unknown) => typeof s !== 'string' || !s)) {
        throw invalid("1 validation error detected: Value at 'inferenceConfig.stopSequences' failed to satisfy constraint: Member must satisfy constraint: [Member must have length greater than or equal to 1]");
      }
      stopSequences = ic.stopSequences;
    }
  }

  const tools: ConverseValidated['tools'] = [];
  let toolChoice: ConverseValidated['toolChoice'] = null;
  let toolsCached = false;
  const tc = body.toolConfig;
  if (tc !== undefined) {
    if (!isObject(tc)) throw invalid('Malformed input request: #/toolConfig: expected type: JSONObject, please reformat your input and try again.');
    only(tc, ['tools', 'toolChoice'], '/toolConfig');
    if (!Array.isArray(tc.tools) || tc.tools.length === 0) throw invalid("1 validation error detected: Value '[]' at 'toolConfig.tools' failed to satisfy constraint: Member must have length greater than or equal to 1");
    tc.tools.forEach((t: unknown, i: number) => {
      const p = `/toolConfig/tools/${i}`;
      const kind = member(t, ['toolSpec', 'systemTool', 'cachePoint'], p);
      const v = (t as Record<string, any>)[kind];
      if (kind === 'cachePoint') { cachePoint(v, `${p}/cachePoint`); toolsCached = true; return; }
      if (kind === 'systemTool') return;
      if (!isObject(v)) throw invalid(`Malformed input request: #${p}/toolSpec: expected type: JSONObject, please reformat your input and try again.`);
      only(v, ['name', 'description', 'inputSchema', 'strict'], `${p}/toolSpec`);
      if (typeof v.name !== 'string' || !TOOL_NAME.test(v.name)) throw invalid(`1 validation error detected: Value '${String(v.name)}' at 'toolConfig.tools.${i + 1}.member.toolSpec.name' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_-]+`);
      if (tools.some((x) => x.name === v.name)) throw invalid('The toolConfig field must not contain duplicate tool names.');
      if (v.description !== undefined && (typeof v.description !== 'string' || !v.description)) throw invalid(`1 validation error detected: Value at 'toolConfig.tools.${i + 1}.member.toolSpec.description' failed to satisfy constraint: Member must have length greater than or equal to 1`);
      const schemaKind = member(v.inputSchema, ['json'], `${p}/toolSpec/inputSchema`);
      const schema = v.inputSchema[schemaKind];
      if (!isObject(schema) || schema.type !== 'object') throw invalid(`The value at toolConfig.tools.${i}.toolSpec.inputSchema.json.type must be object`);
      tools.push({ name: v.name, inputSchema: schema });
    });
    if (tc.toolChoice !== undefined) {
      const kind = member(tc.toolChoice, ['auto', 'any', 'tool'], '/toolConfig/toolChoice') as 'auto' | 'any' | 'tool';
      const v = tc.toolChoice[kind];
      if (!isObject(v)) throw invalid(`Malformed input request: #/toolConfig/toolChoice/${kind}: expected type: JSONObject, please reformat your input and try again.`);
      only(v, kind === 'tool' ? ['name'] : [], `/toolConfig/toolChoice/${kind}`);
      if (kind === 'tool' && !tools.some((t) => t.name === v.name)) throw invalid(`The tool ${String(v.name)} in toolChoice was not found in toolConfig.tools.`);
      toolChoice = { kind, name: v.name };
    }
  }

  const thinkingBudget = additionalFields(body.additionalModelRequestFields, o, maxTokens, temperature);
  if (thinkingBudget !== null && toolChoice && toolChoice.kind !== 'auto') throw invalid('The model returned the following errors: Thinking may not be enabled when tool_choice forces tool use.');

  // Messages: roles, alternation (Converse does not merge turns), blocks, tool pairing.
  const turns: ConverseValidated['turns'] = [];
  body.messages.forEach((m: unknown, i: number) => {
    const p = `/messages/${i}`;
    if (!isObject(m)) throw invalid(`Malformed input request: #${p}: expected type: JSONObject, please reformat your input and try again.`);
    only(m, ['role', 'content'], p);
    if (m.role !== 'user' && m.role !== 'assistant') {
      throw invalid(`1 validation error detected: Value '${String(m.role)}' at 'messages.${i + 1}.member.role' failed to satisfy constraint: Member must satisfy enum value set: [user, assistant]`);
    }
    if (i === 0 && m.role !== 'user') throw invalid('A conversation must start with a user message. Try again with a conversation that starts with a user message.');
    if (i > 0 && turns[i - 1].role === m.role) {
      throw invalid('A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again.');
    }
    if (!Array.isArray(m.content) || m.content.length === 0) throw invalid(`The content field in the Message object at messages.${i} is empty. Add a ContentBlock object to the content field and try again.`);
    turns.push({ role: m.role, blocks: m.content.map((b: unknown, j: number) => block(b, m.role, `${p}/content/${j}`, o.issued)) });
  });
  const usesTools = turns.some((t) => t.blocks.some((b) => b.kind === 'toolUse' || b.kind === 'toolResult'));
  if (usesTools && tc === undefined) throw invalid('The toolConfig field must be defined when using toolUse and toolResult content blocks.');
  turns.forEach((t, i) => {
    if (t.role !== 'user' || i === 0) return;
    const results = t.blocks.filter((b): b is Extract<Block, { kind: 'toolResult' }> => b.kind === 'toolResult');
    const uses = turns[i - 1].blocks.filter((b): b is Extract<Block, { kind: 'toolUse' }> => b.kind === 'toolUse');
    if (results.length > uses.length) throw invalid(`The number of toolResult blocks at messages.${i}.content exceeds the number of toolUse blocks of previous turn.`);
    const missing = uses.filter((u) => !results.some((r) => r.id === u.id)).map((u) => u.id);
    if (missing.length) throw invalid(`Expected toolResult blocks at messages.${i}.content for the following Ids: ${missing.join(', ')}`);
  });
  if (thinkingBudget !== null) checkThinkingTurn(turns);
  return { turns, system, tools, toolChoice, maxTokens, stopSequences, thinkingBudget, toolsCached };
}

/** With thinking on, the assistant turn answered by the final tool results must start with its reasoning block (as Claude requires). */
function checkThinkingTurn(turns: ConverseValidated['turns']): void {
  const last = turns.length - 1;
  if (last < 1 || !turns[last].blocks.some((b) => b.kind === 'toolResult')) return;
  const first = turns[last - 1].blocks[0];
  if (first?.kind !== 'reasoning') {
    throw invalid(
      `The model returned the following errors: messages.${last - 1}.content.0.type: Expected \`thinking\` or \`redacted_thinking\`, but found \`${first?.kind ?? 'none'}\`. ` +
        'When `thinking` is enabled, a final `assistant` message must start with a thinking block (preceeding the lastmost set of `tool_use` and `tool_result` blocks).',
    );
  }
}
