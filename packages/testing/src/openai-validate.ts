/**
 * Request validation for the OpenAI mock: what api.openai.com rejects with 400.
 * The parameter list follows `ChatCompletionCreateParamsBase` of the openai
 * npm package (v6), which is generated from OpenAI's OpenAPI spec.
 */
import {
  arrayTooLong,
  badRequest,
  checkEnum,
  checkKeys,
  checkName,
  checkNumber,
  checkType,
  emptyArray,
  invalidType,
  invalidValue,
  isObject,
  missingParam,
  unrecognizedArgument,
} from './openai-errors.js';
import { contentText } from './openai-reply.js';

/** Every documented top-level Chat Completions parameter. */
export const CHAT_PARAMS: readonly string[] = [
  'model', 'messages', 'audio', 'frequency_penalty', 'function_call', 'functions', 'logit_bias', 'logprobs',
  'max_completion_tokens', 'max_tokens', 'metadata', 'modalities', 'moderation', 'n', 'parallel_tool_calls',
  'prediction', 'presence_penalty', 'prompt_cache_key', 'prompt_cache_options', 'prompt_cache_retention',
  'reasoning_effort', 'response_format', 'safety_identifier', 'seed', 'service_tier', 'stop', 'store', 'stream',
  'stream_options', 'temperature', 'tool_choice', 'tools', 'top_logprobs', 'top_p', 'user', 'verbosity',
  'web_search_options',
];

export const EMBEDDING_PARAMS: readonly string[] = ['input', 'model', 'dimensions', 'encoding_format', 'user'];

export const ROLES = ['system', 'assistant', 'user', 'function', 'tool', 'developer'] as const;

const MESSAGE_KEYS: Record<string, readonly string[]> = {
  system: ['role', 'content', 'name'],
  developer: ['role', 'content', 'name'],
  user: ['role', 'content', 'name'],
  // `annotations` is accepted so a response message can be sent back as-is.
  assistant: ['role', 'content', 'name', 'tool_calls', 'function_call', 'refusal', 'audio', 'annotations'],
  tool: ['role', 'content', 'tool_call_id'],
  function: ['role', 'content', 'name'],
};

/** Keys allowed on a content part, by part type (e.g. `cache_control` is rejected). */
const PART_KEYS: Record<string, readonly string[]> = {
  text: ['type', 'text'],
  refusal: ['type', 'refusal'],
  image_url: ['type', 'image_url'],
  input_audio: ['type', 'input_audio'],
  file: ['type', 'file'],
};

const PART_TYPES: Record<string, readonly string[]> = {
  user: ['text', 'image_url', 'input_audio', 'file'],
  system: ['text'],
  developer: ['text'],
  assistant: ['text', 'refusal'],
  tool: ['text'],
  function: ['text'],
};

export interface ChatValidationOptions {
  requireModel: boolean;
  rejectParams: readonly string[];
}

/** Top-level names first, then each field; throws the first HttpError found. */
export function validateChat(body: Record<string, any>, opts: ChatValidationOptions): void {
  checkTopLevel(body, CHAT_PARAMS, opts.rejectParams);
  checkModel(body.model, opts.requireModel);
  validateMessages(body.messages);
  validateSampling(body);
  validateTools(body);
  validateResponseFormat(body);
  validateStreaming(body);
}

export function validateEmbeddings(body: Record<string, any>, opts: ChatValidationOptions): void {
  checkTopLevel(body, EMBEDDING_PARAMS, opts.rejectParams);
  checkModel(body.model, opts.requireModel);
  if (body.input === undefined || body.input === null) throw missingParam('input');
  if (!isValidTokenOrTextInput(body.input)) {
    throw badRequest("'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.");
  }
  checkEnum('encoding_format', body.encoding_format, ['float', 'base64']);
  checkNumber('dimensions', body.dimensions, { min: 1, integer: true });
  if (body.dimensions != null && body.model === 'text-embedding-ada-002') {
    throw badRequest('This model does not support specifying dimensions.');
  }
  checkType('user', body.user, 'string');
}

export function checkTopLevel(body: Record<string, any>, known: readonly string[], rejected: readonly string[]): void {
  for (const key of Object.keys(body)) {
    if (!known.includes(key) || rejected.includes(key)) throw unrecognizedArgument(key);
  }
}

export function checkModel(model: unknown, required: boolean): void {
  if (model === undefined || model === null || model === '') {
    if (required) throw badRequest('you must provide a model parameter');
    return;
  }
  if (typeof model !== 'string') throw invalidType('model', 'a string', model);
}

/** A string, strings, a token array or token arrays, as embeddings `input` and completions `prompt` take. */
export function isValidTokenOrTextInput(input: unknown): boolean {
  const isTokens = (a: unknown): boolean => Array.isArray(a) && a.length > 0 && a.every((t) => Number.isInteger(t) && t >= 0);
  if (typeof input === 'string') return input.length > 0;
  if (!Array.isArray(input) || input.length === 0 || input.length > 2048) return false;
  if (input.every((s) => typeof s === 'string')) return input.every((s) => s.length > 0);
  return isTokens(input) || input.every(isTokens);
}

// ---------------------------------------------------------------- messages

function validateMessages(messages: unknown): void {
  if (messages === undefined || messages === null) throw missingParam('messages');
  if (!Array.isArray(messages)) throw invalidType('messages', 'an array', messages);
  if (messages.length === 0) throw emptyArray('messages');
  messages.forEach((m, i) => validateMessage(m, `messages[${i}]`));
  validateToolSequence(messages);
}

function validateMessage(m: unknown, p: string): void {
  if (!isObject(m)) throw invalidType(p, 'an object', m);
  const role = m.role;
  if (role === undefined || role === null) throw missingParam(`${p}.role`);
  if (!(ROLES as readonly string[]).includes(role)) throw invalidValue(`${p}.role`, role, ROLES);
  checkKeys(p, m, MESSAGE_KEYS[role]);
  checkType(`${p}.name`, m.name, 'string');

  if (role === 'assistant') {
    const hasCalls = (Array.isArray(m.tool_calls) && m.tool_calls.length > 0) || m.function_call != null || m.audio != null;
    if (m.content == null && m.refusal == null && !hasCalls) throw missingParam(`${p}.content`);
    if (m.content != null) validateContent(`${p}.content`, role, m.content);
    validateAssistantToolCalls(p, m.tool_calls);
  } else if (role === 'function') {
    if (!('content' in m)) throw missingParam(`${p}.content`);
    if (m.content !== null) validateContent(`${p}.content`, role, m.content);
    if (m.name == null) {
      throw badRequest(`Missing parameter 'name': messages with role 'function' must have a 'name'.`, `${dotted(p)}.name`);
    }
  } else {
    if (!('content' in m)) throw missingParam(`${p}.content`);
    validateContent(`${p}.content`, role, m.content);
  }

  if (role === 'tool') {
    if (m.tool_call_id == null || m.tool_call_id === '') {
      throw badRequest(
        `Missing parameter 'tool_call_id': messages with role 'tool' must have a 'tool_call_id'.`,
        `${dotted(p)}.tool_call_id`,
      );
    }
    checkType(`${p}.tool_call_id`, m.tool_call_id, 'string');
  }
}

/** messages[3] -> messages.[3] (the older param style OpenAI still uses for these errors). */
const dotted = (p: string): string => p.replace(/^messages\[/, 'messages.[');

function validateContent(p: string, role: string, content: unknown): void {
  if (typeof content === 'string') return;
  if (!Array.isArray(content)) throw invalidType(p, 'one of a string or array of objects', content);
  if (content.length === 0) throw emptyArray(p);
  content.forEach((part, j) => validatePart(`${p}[${j}]`, PART_TYPES[role], part));
}

function validatePart(pp: string, allowed: readonly string[], part: unknown): void {
  if (!isObject(part)) throw invalidType(pp, 'an object', part);
  if (part.type === undefined || part.type === null) throw missingParam(`${pp}.type`);
  if (!allowed.includes(part.type)) throw invalidValue(`${pp}.type`, part.type, allowed);
  checkKeys(pp, part, PART_KEYS[part.type]);
  const field = (name: string, type: 'string' | 'object'): void => {
    if (part[name] === undefined || part[name] === null) throw missingParam(`${pp}.${name}`);
    checkType(`${pp}.${name}`, part[name], type);
  };
  switch (part.type) {
    case 'text':
      return field('text', 'string');
    case 'refusal':
      return field('refusal', 'string');
    case 'image_url': {
      field('image_url', 'object');
      const img = part.image_url;
      checkKeys(`${pp}.image_url`, img, ['url', 'detail']);
      if (img.url === undefined || img.url === null) throw missingParam(`${pp}.image_url.url`);
      checkType(`${pp}.image_url.url`, img.url, 'string');
      checkEnum(`${pp}.image_url.detail`, img.detail, ['auto', 'low', 'high']);
      return;
    }
    case 'input_audio': {
      field('input_audio', 'object');
      if (part.input_audio.data == null) throw missingParam(`${pp}.input_audio.data`);
      if (part.input_audio.format == null) throw missingParam(`${pp}.input_audio.format`);
      checkEnum(`${pp}.input_audio.format`, part.input_audio.format, ['wav', 'mp3']);
      return;
    }
    case 'file':
      field('file', 'object');
      return checkKeys(`${pp}.file`, part.file, ['file_id', 'file_data', 'filename']);
  }
}

function validateAssistantToolCalls(p: string, calls: unknown): void {
  if (calls === undefined || calls === null) return;
  if (!Array.isArray(calls)) throw invalidType(`${p}.tool_calls`, 'an array', calls);
  calls.forEach((call, k) => {
    const tp = `${p}.tool_calls[${k}]`;
    if (!isObject(call)) throw invalidType(tp, 'an object', call);
    if (call.id === undefined || call.id === null || call.id === '') throw missingParam(`${tp}.id`);
    checkType(`${tp}.id`, call.id, 'string');
    if (call.type === undefined || call.type === null) throw missingParam(`${tp}.type`);
    if (call.type !== 'function' && call.type !== 'custom') throw invalidValue(`${tp}.type`, call.type, ['function', 'custom']);
    const inner = call.type === 'function' ? 'function' : 'custom';
    checkKeys(tp, call, ['id', 'type', inner]);
    if (!isObject(call[inner])) throw call[inner] == null ? missingParam(`${tp}.${inner}`) : invalidType(`${tp}.${inner}`, 'an object', call[inner]);
    const argKey = inner === 'function' ? 'arguments' : 'input';
    checkKeys(`${tp}.${inner}`, call[inner], ['name', argKey]);
    checkName(`${tp}.${inner}.name`, call[inner].name);
    if (call[inner][argKey] === undefined || call[inner][argKey] === null) throw missingParam(`${tp}.${inner}.${argKey}`);
    checkType(`${tp}.${inner}.${argKey}`, call[inner][argKey], 'string');
  });
}

/** Tool results must answer the directly preceding assistant tool_calls, all of them. */
function validateToolSequence(messages: Record<string, any>[]): void {
  let open: { index: number; ids: Set<string>; unanswered: Set<string> } | undefined;
  const unansweredError = (o: NonNullable<typeof open>) =>
    badRequest(
      `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. ` +
        `The following tool_call_ids did not have response messages: ${[...o.unanswered].join(', ')}`,
      `messages.[${o.index}].role`,
    );
  messages.forEach((m, i) => {
    if (m.role === 'tool') {
      if (!open || !open.ids.has(m.tool_call_id)) {
        throw badRequest(
          "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.",
          `messages.[${i}].role`,
        );
      }
      open.unanswered.delete(m.tool_call_id);
      return;
    }
    if (open && open.unanswered.size > 0) throw unansweredError(open);
    open = undefined;
    if (m.role === 'assistant' && Array.isArray(m.tool_calls) && m.tool_calls.length > 0) {
      const ids = m.tool_calls.map((c: any) => c.id as string);
      open = { index: i, ids: new Set(ids), unanswered: new Set(ids) };
    }
  });
  if (open && open.unanswered.size > 0) throw unansweredError(open);
}

// ---------------------------------------------------------------- scalars

function validateSampling(body: Record<string, any>): void {
  checkNumber('temperature', body.temperature, { min: 0, max: 2 });
  checkNumber('top_p', body.top_p, { min: 0, max: 1 });
  checkNumber('frequency_penalty', body.frequency_penalty, { min: -2, max: 2 });
  checkNumber('presence_penalty', body.presence_penalty, { min: -2, max: 2 });
  checkNumber('n', body.n, { min: 1, max: 128, integer: true });
  checkNumber('max_tokens', body.max_tokens, { min: 1, integer: true });
  checkNumber('max_completion_tokens', body.max_completion_tokens, { min: 1, integer: true });
  checkNumber('seed', body.seed, { integer: true });
  checkNumber('top_logprobs', body.top_logprobs, { min: 0, max: 20, integer: true });
  checkType('logprobs', body.logprobs, 'boolean');
  if (body.top_logprobs != null && body.logprobs !== true) {
    throw badRequest("Invalid value for 'top_logprobs': 'logprobs' must be set to true when 'top_logprobs' is used.", 'top_logprobs');
  }
  for (const k of ['store', 'stream', 'parallel_tool_calls'] as const) checkType(k, body[k], 'boolean');
  for (const k of ['user', 'safety_identifier', 'prompt_cache_key', 'prompt_cache_retention'] as const) checkType(k, body[k], 'string');
  for (const k of ['audio', 'prediction', 'web_search_options', 'moderation', 'prompt_cache_options'] as const) {
    checkType(k, body[k], 'object');
  }
  checkEnum('reasoning_effort', body.reasoning_effort, ['none', 'minimal', 'low', 'medium', 'high', 'xhigh']);
  checkEnum('service_tier', body.service_tier, ['auto', 'default', 'flex', 'scale', 'priority']);
  checkEnum('verbosity', body.verbosity, ['low', 'medium', 'high']);
  if (body.modalities != null) {
    if (!Array.isArray(body.modalities)) throw invalidType('modalities', 'an array', body.modalities);
    body.modalities.forEach((m: unknown, i: number) => checkEnum(`modalities[${i}]`, m, ['text', 'audio']));
  }
  validateStop(body.stop);
  validateStringMap('metadata', body.metadata);
  validateLogitBias(body.logit_bias);
}

export function validateLogitBias(bias: unknown): void {
  if (bias === undefined || bias === null) return;
  checkType('logit_bias', bias, 'object');
  for (const [token, v] of Object.entries(bias as object)) checkNumber(`logit_bias.${token}`, v, { min: -100, max: 100 });
}

export function validateStop(stop: unknown): void {
  if (stop === undefined || stop === null || typeof stop === 'string') return;
  if (!Array.isArray(stop)) throw invalidType('stop', 'one of a string or array of strings', stop);
  if (stop.length > 4) throw arrayTooLong('stop', 4, stop.length);
  stop.forEach((s, i) => checkType(`stop[${i}]`, s, 'string'));
}

function validateStringMap(param: string, map: unknown): void {
  if (map === undefined || map === null) return;
  checkType(param, map, 'object');
  for (const [k, v] of Object.entries(map as object)) checkType(`${param}.${k}`, v, 'string');
}

// ---------------------------------------------------------------- tools

function validateTools(body: Record<string, any>): void {
  const tools = body.tools;
  if (tools != null) {
    if (!Array.isArray(tools)) throw invalidType('tools', 'an array', tools);
    if (tools.length > 128) throw arrayTooLong('tools', 128, tools.length);
    tools.forEach((t, i) => validateTool(`tools[${i}]`, t));
  }
  const hasTools = Array.isArray(tools) && tools.length > 0;
  if (body.tool_choice != null) {
    if (!hasTools) {
      throw badRequest("Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.", 'tool_choice');
    }
    validateToolChoice(body.tool_choice, tools);
  }
  if (body.parallel_tool_calls != null && !hasTools) {
    throw badRequest(
      "Invalid value for 'parallel_tool_calls': 'parallel_tool_calls' is only allowed when 'tools' are specified.",
      'parallel_tool_calls',
    );
  }
  if (body.functions != null) {
    if (!Array.isArray(body.functions)) throw invalidType('functions', 'an array', body.functions);
    body.functions.forEach((f: unknown, i: number) => {
      if (!isObject(f)) throw invalidType(`functions[${i}]`, 'an object', f);
      checkName(`functions[${i}].name`, f.name);
      checkType(`functions[${i}].parameters`, f.parameters, 'object');
    });
  }
}

function validateTool(tp: string, tool: unknown): void {
  if (!isObject(tool)) throw invalidType(tp, 'an object', tool);
  if (tool.type === undefined || tool.type === null) throw missingParam(`${tp}.type`);
  if (tool.type !== 'function' && tool.type !== 'custom') throw invalidValue(`${tp}.type`, tool.type, ['function', 'custom']);
  checkKeys(tp, tool, ['type', tool.type]);
  const inner = tool[tool.type];
  if (inner === undefined || inner === null) throw missingParam(`${tp}.${tool.type}`);
  if (!isObject(inner)) throw invalidType(`${tp}.${tool.type}`, 'an object', inner);
  checkName(`${tp}.${tool.type}.name`, inner.name);
  checkType(`${tp}.${tool.type}.description`, inner.description, 'string');
  if (tool.type === 'function') {
    checkKeys(`${tp}.function`, inner, ['name', 'description', 'parameters', 'strict']);
    checkType(`${tp}.function.parameters`, inner.parameters, 'object');
    checkType(`${tp}.function.strict`, inner.strict, 'boolean');
  }
}

function validateToolChoice(choice: unknown, tools: Record<string, any>[]): void {
  if (typeof choice === 'string') {
    checkEnum('tool_choice', choice, ['none', 'auto', 'required']);
    return;
  }
  if (!isObject(choice)) throw invalidType('tool_choice', 'one of a string or object', choice);
  if (choice.type === undefined || choice.type === null) throw missingParam('tool_choice.type');
  if (choice.type !== 'function' && choice.type !== 'custom') throw invalidValue('tool_choice.type', choice.type, ['function', 'custom']);
  const inner = choice[choice.type];
  if (!isObject(inner)) throw missingParam(`tool_choice.${choice.type}`);
  if (inner.name == null) throw missingParam(`tool_choice.${choice.type}.name`);
  const known = tools.some((t) => t.type === choice.type && t[choice.type]?.name === inner.name);
  if (!known) {
    throw badRequest(
      `Invalid value for 'tool_choice': no ${choice.type} named '${String(inner.name)}' is specified in the 'tools' parameter.`,
      'tool_choice',
    );
  }
}

// ---------------------------------------------------------------- output format / streaming

function validateResponseFormat(body: Record<string, any>): void {
  const rf = body.response_format;
  if (rf === undefined || rf === null) return;
  if (!isObject(rf)) throw invalidType('response_format', 'an object', rf);
  if (rf.type === undefined || rf.type === null) throw missingParam('response_format.type');
  checkEnum('response_format.type', rf.type, ['text', 'json_object', 'json_schema']);
  if (rf.type === 'json_schema') {
    if (rf.json_schema === undefined || rf.json_schema === null) throw missingParam('response_format.json_schema');
    checkType('response_format.json_schema', rf.json_schema, 'object');
    checkName('response_format.json_schema.name', rf.json_schema.name);
    checkType('response_format.json_schema.schema', rf.json_schema.schema, 'object');
    checkType('response_format.json_schema.strict', rf.json_schema.strict, 'boolean');
  }
  const allText = (body.messages as any[]).map((m) => contentText(m.content)).join('\n');
  if (rf.type === 'json_object' && !/json/i.test(allText)) {
    throw badRequest("'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.", 'messages');
  }
}

export function validateStreaming(body: Record<string, any>): void {
  const so = body.stream_options;
  if (so === undefined || so === null) return;
  if (body.stream !== true) {
    throw badRequest("The 'stream_options' parameter is only allowed when 'stream' is enabled.", 'stream_options');
  }
  checkType('stream_options', so, 'object');
  checkKeys('stream_options', so, ['include_usage', 'include_obfuscation']);
  checkType('stream_options.include_usage', so.include_usage, 'boolean');
  checkType('stream_options.include_obfuscation', so.include_obfuscation, 'boolean');
}
