/**
 * Request validation for the Cohere v2 mock (`/v2/chat`, `/v2/embed`, `/v2/rerank`): what
 * api.cohere.com refuses, with its envelope `{"id","message"}` and, where known, its wording.
 * Sources: cohere-ai/cohere-developer-experience `cohere-openapi.yaml` (request schemas, the error
 * responses 400/401/404/422/429/498/499/500/501/503/504) and `fern/pages/cohere-api/errors.mdx`
 * (example messages, quoted below); cohere-ai/cohere-typescript `src/serialization` (wire field
 * names). Unknown fields get Cohere's 422 "unknown field: parameter 'x' is not a valid field" (seen
 * in HKUDS/LightRAG#1813); nested unknown fields get the same wording with the field's path.
 */
import { createHash } from 'node:crypto';
import { HttpError } from './http.js';

let errorSeq = 0;
export function cohereError(status: number, message: string, headers: Record<string, string> = {}): HttpError {
  const id = createHash('sha256').update(`err${++errorSeq}`).digest('hex');
  return new HttpError(status, { id: `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20, 32)}`, message }, headers);
}
const invalid = (message: string): HttpError => cohereError(400, message);
const isObject = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);

const REFERENCE: Record<Endpoint, string> = {
  chat: 'https://docs.cohere.com/reference/chat',
  embed: 'https://docs.cohere.com/reference/embed',
  rerank: 'https://docs.cohere.com/reference/rerank',
};
export type Endpoint = 'chat' | 'embed' | 'rerank';

function known(obj: Record<string, unknown>, allowed: readonly string[], endpoint: Endpoint, path = ''): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) throw cohereError(422, `unknown field: parameter '${path}${k}' is not a valid field. For proper usage, please refer to ${REFERENCE[endpoint]}`);
  }
}

function num(body: Record<string, any>, key: string, min: number, max: number, integer = false): void {
  const v = body[key];
  if (v === undefined) return;
  if (typeof v !== 'number' || (integer && !Number.isInteger(v))) throw invalid(`invalid request: ${key} must be a${integer ? 'n integer' : ' number'}.`);
  // Wording of the documented "temperature must be between 0 and 1.0 inclusive." / "presence_penalty must be between 0 and 1 inclusive."
  if (v < min || v > max) throw invalid(`invalid request: ${key} must be between ${min} and ${max} inclusive.`);
}

function model(body: Record<string, any>): void {
  if (body.model === undefined || body.model === '') throw invalid('a model parameter is required for this endpoint.');
  if (typeof body.model !== 'string') throw invalid('invalid request: model must be a string.');
}

// ------------------------------------------------------------------------------------------ chat

const CHAT_FIELDS = [
  'model', 'messages', 'stream', 'tools', 'strict_tools', 'documents', 'citation_options', 'response_format', 'safety_mode',
  'max_tokens', 'stop_sequences', 'temperature', 'seed', 'frequency_penalty', 'presence_penalty', 'k', 'p', 'logprobs',
  'tool_choice', 'thinking', 'priority',
];
const TOOL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** What the reply needs from a validated chat request. */
export interface ValidatedChat {
  /** Tool call ids issued in assistant turns, in order. */
  toolCallIds: string[];
  /** Normalised documents: id and data. */
  documents: Array<{ id: string; data: Record<string, unknown> }>;
}

function textParts(content: unknown, path: string, allowed: readonly string[]): void {
  if (typeof content === 'string') return;
  if (!Array.isArray(content)) throw invalid(`invalid request: ${path} must be a string or a list of content items.`);
  content.forEach((c, j) => {
    const p = `${path}.${j}`;
    if (!isObject(c) || !allowed.includes(c.type)) throw invalid(`invalid request: ${p}.type must be one of: ${allowed.join(', ')}.`);
    if (c.type === 'text') {
      known(c, ['type', 'text'], 'chat', `${p}.`);
      if (typeof c.text !== 'string') throw invalid(`invalid request: ${p}.text must be a string.`);
    } else if (c.type === 'image_url') {
      known(c, ['type', 'image_url'], 'chat', `${p}.`);
      if (!isObject(c.image_url) || typeof c.image_url.url !== 'string') throw invalid(`invalid request: ${p}.image_url.url is required.`);
      known(c.image_url, ['url', 'detail'], 'chat', `${p}.image_url.`);
      if (c.image_url.detail !== undefined && !['auto', 'low', 'high'].includes(c.image_url.detail)) throw invalid(`invalid request: ${p}.image_url.detail must be one of auto, low, high.`);
    } else if (c.type === 'thinking') {
      known(c, ['type', 'thinking'], 'chat', `${p}.`);
    } else if (c.type === 'document') {
      known(c, ['type', 'document'], 'chat', `${p}.`);
      if (!isObject(c.document) || !isObject(c.document.data)) throw invalid(`invalid request: ${p}.document.data must be an object.`);
    }
  });
}

function isEmpty(content: unknown): boolean {
  if (content === undefined || content === null) return true;
  if (typeof content === 'string') return content.trim() === '';
  return Array.isArray(content) && content.length === 0;
}

export function validateCohereChat(body: Record<string, any>): ValidatedChat {
  known(body, CHAT_FIELDS, 'chat');
  model(body);
  if (!Array.isArray(body.messages) || body.messages.length === 0) throw invalid('invalid request: messages must not be empty.');
  if (body.stream !== undefined && typeof body.stream !== 'boolean') throw invalid('invalid request: stream must be a boolean.');
  const toolCallIds: string[] = [];
  body.messages.forEach((m: unknown, i: number) => {
    const p = `messages.${i}`;
    if (!isObject(m)) throw invalid(`invalid request: ${p} must be an object.`);
    switch (m.role) {
      case 'system':
        known(m, ['role', 'content'], 'chat', `${p}.`);
        textParts(m.content, `${p}.content`, ['text']);
        break;
      case 'user':
        known(m, ['role', 'content'], 'chat', `${p}.`);
        textParts(m.content, `${p}.content`, ['text', 'image_url']);
        if (isEmpty(m.content)) throw invalid('invalid request: message must be at least 1 token long or tool results must be specified.');
        break;
      case 'assistant': {
        known(m, ['role', 'content', 'tool_calls', 'tool_plan', 'citations'], 'chat', `${p}.`);
        if (m.content !== undefined) textParts(m.content, `${p}.content`, ['text', 'thinking']);
        if (m.tool_plan !== undefined && typeof m.tool_plan !== 'string') throw invalid(`invalid request: ${p}.tool_plan must be a string.`);
        if (m.tool_calls !== undefined) {
          if (!Array.isArray(m.tool_calls)) throw invalid(`invalid request: ${p}.tool_calls must be a list.`);
          m.tool_calls.forEach((t: unknown, j: number) => {
            const tp = `${p}.tool_calls.${j}`;
            if (!isObject(t)) throw invalid(`invalid request: ${tp} must be an object.`);
            known(t, ['id', 'type', 'function'], 'chat', `${tp}.`);
            if (t.type !== 'function') throw invalid('tool call must be of type function');
            if (typeof t.id !== 'string' || !t.id) throw invalid(`invalid request: ${tp}.id is required.`);
            if (toolCallIds.includes(t.id)) throw invalid('cannot have duplicate tool ids');
            if (!isObject(t.function) || typeof t.function.name !== 'string') throw invalid(`invalid request: ${tp}.function.name is required.`);
            known(t.function, ['name', 'arguments'], 'chat', `${tp}.function.`);
            if (t.function.arguments !== undefined && typeof t.function.arguments !== 'string') throw invalid(`invalid request: ${tp}.function.arguments must be a string.`);
            toolCallIds.push(t.id);
          });
        }
        if (isEmpty(m.content) && !m.tool_calls?.length) throw invalid('message must not be empty in a turn');
        break;
      }
      case 'tool':
        known(m, ['role', 'content', 'tool_call_id'], 'chat', `${p}.`);
        if (typeof m.tool_call_id !== 'string' || !m.tool_call_id) throw invalid('tool call id must be provided with tool message');
        if (!toolCallIds.includes(m.tool_call_id)) throw invalid('tool call id not found in previous tool calls');
        textParts(m.content, `${p}.content`, ['text', 'document']);
        break;
      default:
        // Modelled on the documented v1 wording ("Invalid role in chat_history at index 2. Role must be one of ...").
        throw invalid(`invalid request: Invalid role in messages at index ${i}. Role must be one of the following: user, assistant, system, tool`);
    }
  });

  if (body.tools !== undefined) {
    if (!Array.isArray(body.tools)) throw invalid('invalid request: tools must be a list.');
    body.tools.forEach((t: unknown, i: number) => {
      const p = `tools.${i}`;
      if (!isObject(t) || t.type !== 'function') throw invalid('tool call must be of type function');
      known(t, ['type', 'function'], 'chat', `${p}.`);
      if (!isObject(t.function)) throw invalid(`invalid request: ${p}.function is required.`);
      known(t.function, ['name', 'description', 'parameters'], 'chat', `${p}.function.`);
      const name = t.function.name;
      if (typeof name !== 'string' || !TOOL_NAME.test(name)) {
        throw invalid(`invalid request: tool names can only contain certain characters (A-Za-z0-9_) and can't begin with a digit (provided name: '${String(name)}').`);
      }
      if (!isObject(t.function.parameters)) throw invalid(`invalid request: ${p}.function.parameters must be an object.`);
      if (t.function.parameters.type !== undefined && t.function.parameters.type !== 'object') throw invalid('schema must be an object');
    });
  }
  if (body.tool_choice !== undefined) {
    if (body.tool_choice !== 'REQUIRED' && body.tool_choice !== 'NONE') throw invalid("invalid request: tool_choice must be one of 'REQUIRED', 'NONE'.");
    if (!body.tools?.length) throw invalid('invalid request: tool_choice requires the tools parameter.');
  }
  if (body.strict_tools !== undefined && typeof body.strict_tools !== 'boolean') throw invalid('invalid request: strict_tools must be a boolean.');

  const documents: ValidatedChat['documents'] = [];
  if (body.documents !== undefined) {
    if (!Array.isArray(body.documents)) throw invalid('invalid request: documents must be a list.');
    body.documents.forEach((d: unknown, i: number) => {
      if (typeof d === 'string') {
        if (!d) throw invalid(`invalid request: document at index ${i} cannot be empty`);
        documents.push({ id: `doc:${i}`, data: { text: d } });
        return;
      }
      if (!isObject(d) || !isObject(d.data)) throw invalid(`invalid request: documents.${i} must be a string or an object with data.`);
      known(d, ['data', 'id'], 'chat', `documents.${i}.`);
      const id = typeof d.id === 'string' && d.id ? d.id : `doc:${i}`;
      const dup = documents.findIndex((x) => x.id === id);
      if (dup !== -1) throw invalid(`invalid request: duplicate document ID ${id} at index ${i} and ${dup}`);
      documents.push({ id, data: d.data });
    });
  }
  if (body.response_format !== undefined) {
    const rf = body.response_format;
    if (!isObject(rf) || (rf.type !== 'text' && rf.type !== 'json_object')) throw invalid("invalid request: response_format.type must be one of 'text', 'json_object'.");
    known(rf, rf.type === 'json_object' ? ['type', 'json_schema'] : ['type'], 'chat', 'response_format.');
    if (rf.json_schema !== undefined && !isObject(rf.json_schema)) throw invalid('schema must be an object');
    if (documents.length) throw invalid('invalid request: response_format is not supported with RAG.');
  }
  if (body.safety_mode !== undefined && !['CONTEXTUAL', 'STRICT', 'OFF'].includes(body.safety_mode)) throw invalid("invalid request: safety_mode must be one of 'CONTEXTUAL', 'STRICT', 'OFF'.");
  if (body.citation_options !== undefined) {
    if (!isObject(body.citation_options)) throw invalid('invalid request: citation_options must be an object.');
    known(body.citation_options, ['mode'], 'chat', 'citation_options.');
  }
  if (body.thinking !== undefined) {
    if (!isObject(body.thinking) || (body.thinking.type !== 'enabled' && body.thinking.type !== 'disabled')) throw invalid("invalid request: thinking.type must be one of 'enabled', 'disabled'.");
    known(body.thinking, ['type', 'token_budget'], 'chat', 'thinking.');
    if (body.thinking.token_budget !== undefined && (!Number.isInteger(body.thinking.token_budget) || body.thinking.token_budget < 1)) throw invalid('invalid request: thinking.token_budget must be a positive integer.');
  }
  if (body.stop_sequences !== undefined) {
    if (!Array.isArray(body.stop_sequences) || body.stop_sequences.some((s: unknown) => typeof s !== 'string')) throw invalid('invalid request: stop_sequences must be a list of strings.');
    if (body.stop_sequences.length > 5) throw invalid(`invalid request: stop_sequences must contain at most 5 items - received ${body.stop_sequences.length}.`);
  }
  num(body, 'max_tokens', 1, Number.MAX_SAFE_INTEGER, true);
  num(body, 'temperature', 0, 1);
  // Documented ranges: p 0.01..0.99, k 0..500, penalties 0..1.
  num(body, 'p', 0.01, 0.99);
  num(body, 'k', 0, 500, true);
  num(body, 'frequency_penalty', 0, 1);
  num(body, 'presence_penalty', 0, 1);
  num(body, 'seed', Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, true);
  num(body, 'priority', 0, 999, true);
  if (body.logprobs !== undefined && typeof body.logprobs !== 'boolean') throw invalid('invalid request: logprobs must be a boolean.');
  return { toolCallIds, documents };
}

// ----------------------------------------------------------------------------------------- embed

const EMBED_FIELDS = ['model', 'input_type', 'texts', 'images', 'inputs', 'max_tokens', 'output_dimension', 'embedding_types', 'truncate', 'priority'];
export const INPUT_TYPES = ['search_document', 'search_query', 'classification', 'clustering', 'image'];
export const EMBEDDING_TYPES = ['float', 'int8', 'uint8', 'binary', 'ubinary', 'base64'];

/** One embed input: its text, or an image data URI. */
export type EmbedItem = { text: string } | { image: string };

export function validateCohereEmbed(body: Record<string, any>): EmbedItem[] {
  known(body, EMBED_FIELDS, 'embed');
  model(body);
  if (!INPUT_TYPES.includes(body.input_type)) throw invalid('invalid request: valid input_type must be provided with the provided model');
  if (body.embedding_types === undefined) throw invalid('embedding_types parameter is required');
  if (!Array.isArray(body.embedding_types) || !body.embedding_types.length || body.embedding_types.some((t: unknown) => !EMBEDDING_TYPES.includes(t as string))) {
    throw invalid(`invalid request: embedding_types must be a list of: ${EMBEDDING_TYPES.join(', ')}.`);
  }
  const given = ['texts', 'images', 'inputs'].filter((k) => body[k] !== undefined);
  if (given.length !== 1) throw invalid('invalid request: exactly one of texts, images or inputs must be provided.');
  const items: EmbedItem[] = [];
  if (body.texts !== undefined) {
    if (!Array.isArray(body.texts) || !body.texts.length) throw invalid('invalid request: texts must not be empty.');
    body.texts.forEach((t: unknown, i: number) => {
      if (typeof t !== 'string') throw invalid('invalid request: texts must be a list of strings.');
      if (t === '') throw invalid(`invalid request: inputs contains an element that is the empty string at index ${i}`);
      items.push({ text: t });
    });
  } else if (body.images !== undefined) {
    if (!Array.isArray(body.images) || !body.images.length) throw invalid('invalid request: images must not be empty.');
    if (body.input_type !== 'image' && !String(body.model).startsWith('embed-v4')) throw invalid('invalid request: images must be used with input_type=image');
    for (const img of body.images) {
      if (typeof img !== 'string' || !/^data:image\/(jpeg|png|webp|gif);base64,/.test(img)) throw invalid('invalid request: images must be data URIs of image/jpeg, image/png, image/webp or image/gif.');
      items.push({ image: img });
    }
  } else {
    if (!Array.isArray(body.inputs) || !body.inputs.length) throw invalid('invalid request: inputs must not be empty.');
    body.inputs.forEach((input: unknown, i: number) => {
      if (!isObject(input) || !Array.isArray(input.content) || !input.content.length) throw invalid(`invalid request: inputs.${i}.content must not be empty.`);
      known(input, ['content'], 'embed', `inputs.${i}.`);
      const parts: string[] = [];
      for (const c of input.content) {
        if (isObject(c) && c.type === 'text' && typeof c.text === 'string') parts.push(c.text);
        else if (isObject(c) && c.type === 'image_url' && isObject(c.image_url) && typeof c.image_url.url === 'string') parts.push(c.image_url.url);
        else throw invalid(`invalid request: inputs.${i}.content items must be text or image_url.`);
      }
      items.push({ text: parts.join('\n') });
    });
  }
  if (items.length > 96) throw invalid(`invalid request: total number of texts must be at most 96 - received ${items.length}`);
  if (body.output_dimension !== undefined) {
    if (![256, 512, 1024, 1536].includes(body.output_dimension)) throw invalid('invalid request: output_dimension must be one of 256, 512, 1024, 1536.');
    if (!String(body.model).startsWith('embed-v4')) throw invalid('invalid request: output_dimension is only supported for embed-v4 and newer models.');
  }
  if (body.truncate !== undefined && !['NONE', 'START', 'END'].includes(body.truncate)) throw invalid("invalid request: truncate must be one of 'NONE', 'START', 'END'.");
  num(body, 'max_tokens', 1, Number.MAX_SAFE_INTEGER, true);
  num(body, 'priority', 0, 999, true);
  return items;
}

// ---------------------------------------------------------------------------------------- rerank

const RERANK_FIELDS = ['model', 'query', 'documents', 'top_n', 'max_tokens_per_doc', 'priority'];

export function validateCohereRerank(body: Record<string, any>): string[] {
  known(body, RERANK_FIELDS, 'rerank');
  model(body);
  if (typeof body.query !== 'string' || !body.query.trim()) throw invalid('invalid request: query must not be empty or be only whitespace');
  if (!Array.isArray(body.documents) || !body.documents.length) throw invalid('invalid request: list of documents must not be empty');
  body.documents.forEach((d: unknown, i: number) => {
    // v2 takes strings only (structured data as YAML strings, per the API reference).
    if (typeof d !== 'string') throw invalid(`invalid request: documents.${i} must be a string.`);
    if (!d.trim()) throw invalid(`invalid request: document at index ${i} cannot be empty`);
  });
  num(body, 'top_n', 1, Number.MAX_SAFE_INTEGER, true);
  num(body, 'max_tokens_per_doc', 1, Number.MAX_SAFE_INTEGER, true);
  num(body, 'priority', 0, 999, true);
  return body.documents;
}
