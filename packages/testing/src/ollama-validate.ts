/**
 * Request validation for the Ollama mock (`POST /api/chat`, `POST /api/embed`), with Ollama's error
 * shape `{"error": "..."}` and the statuses its server uses. Sources: ollama/ollama `api/types.go`
 * (ChatRequest, Message, ToolCall, Options.FromMap, ThinkValue), `server/routes.go` (ChatHandler,
 * EmbedHandler, handleScheduleError), `llm/llama_server.go` ("invalid format" and "the input length
 * exceeds the context length"), `docs/api.md`.
 *
 * Real Ollama decodes bodies with Go's encoding/json and silently ignores unknown fields (and logs
 * "invalid option provided" for unknown `options` keys). That silence is why an OpenAI param sent raw
 * (`max_tokens` at the top level) is a bug nobody notices; `rejectUnknown` turns those into 400s
 * (Go's own wording, `json: unknown field "x"`) so tests can prove the adapter sends none.
 */
import { HttpError } from './http.js';

export const ollamaError = (status: number, error: string): HttpError => new HttpError(status, { error });
const bad = (error: string): HttpError => ollamaError(400, error);
const isObject = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);

const CHAT_FIELDS = ['model', 'messages', 'stream', 'format', 'keep_alive', 'tools', 'options', 'think', 'truncate', 'shift', 'logprobs', 'top_logprobs'];
const EMBED_FIELDS = ['model', 'input', 'keep_alive', 'truncate', 'dimensions', 'options'];
const MESSAGE_FIELDS = ['role', 'content', 'thinking', 'images', 'tool_calls', 'tool_name', 'tool_call_id'];
/** `json` tags of api.Options and api.Runner, with the Go kind FromMap checks. */
export const OPTION_KINDS: Readonly<Record<string, 'int' | 'float' | 'bool' | 'strings'>> = {
  num_keep: 'int', seed: 'int', num_predict: 'int', top_k: 'int', top_p: 'float', min_p: 'float', typical_p: 'float',
  repeat_last_n: 'int', temperature: 'float', repeat_penalty: 'float', presence_penalty: 'float', frequency_penalty: 'float',
  stop: 'strings', num_ctx: 'int', num_batch: 'int', num_gpu: 'int', main_gpu: 'int', use_mmap: 'bool', num_thread: 'int',
  draft_num_predict: 'int',
};
const GO_KIND: Record<string, string> = { int: 'integer', float: 'float32', bool: 'boolean', strings: 'array' };

export interface OllamaValidateOptions {
  rejectUnknown: boolean;
}

function unknownFields(obj: Record<string, unknown>, allowed: readonly string[], o: OllamaValidateOptions): void {
  if (!o.rejectUnknown) return;
  for (const k of Object.keys(obj)) if (!allowed.includes(k)) throw bad(`json: unknown field "${k}"`);
}

/** Options.FromMap: wrong types fail the request (a 500 through handleScheduleError's default). */
export function validateOptions(options: unknown, o: OllamaValidateOptions): Record<string, any> {
  if (options === undefined || options === null) return {};
  if (!isObject(options)) throw bad('json: cannot unmarshal options into Go struct field of type map[string]interface {}');
  for (const [k, v] of Object.entries(options)) {
    const kind = OPTION_KINDS[k];
    if (!kind) {
      if (o.rejectUnknown) throw bad(`invalid option provided: ${k}`);
      continue;
    }
    if (v === null) continue;
    const ok = kind === 'int' || kind === 'float' ? typeof v === 'number' : kind === 'bool' ? typeof v === 'boolean' : Array.isArray(v);
    if (!ok) throw ollamaError(500, `option "${k}" must be of type ${GO_KIND[kind]}`);
    if (kind === 'strings' && (v as unknown[]).some((s) => typeof s !== 'string')) throw ollamaError(500, `option "${k}" must be of an array of strings`);
  }
  return options;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function validateMessage(m: unknown, o: OllamaValidateOptions): void {
  if (!isObject(m)) throw bad(`json: cannot unmarshal ${Array.isArray(m) ? 'array' : typeof m} into Go struct field ChatRequest.messages of type api.Message`);
  unknownFields(m, MESSAGE_FIELDS, o);
  if (typeof m.role !== 'string') throw bad('json: cannot unmarshal role into Go struct field Message.messages.role of type string');
  if (m.content !== undefined && typeof m.content !== 'string') throw bad('json: cannot unmarshal array into Go struct field Message.messages.content of type string');
  if (m.images !== undefined) {
    if (!Array.isArray(m.images)) throw bad('json: cannot unmarshal images into Go struct field Message.messages.images of type []api.ImageData');
    for (const img of m.images) {
      // ImageData is []byte: encoding/json wants plain base64, so a data URL fails on its ':'.
      if (typeof img !== 'string' || !BASE64.test(img)) {
        const at = typeof img === 'string' ? img.search(/[^A-Za-z0-9+/=]/) : 0;
        throw bad(`illegal base64 data at input byte ${at}`);
      }
    }
  }
  if (m.tool_calls !== undefined) {
    if (!Array.isArray(m.tool_calls)) throw bad('json: cannot unmarshal tool_calls into Go struct field Message.messages.tool_calls of type []api.ToolCall');
    for (const t of m.tool_calls) {
      if (!isObject(t) || !isObject(t.function)) throw bad('json: cannot unmarshal tool call into Go struct field Message.messages.tool_calls of type api.ToolCall');
      unknownFields(t, ['id', 'function'], o);
      unknownFields(t.function, ['index', 'name', 'arguments'], o);
      if (t.function.arguments !== undefined && !isObject(t.function.arguments)) {
        throw bad(`json: cannot unmarshal ${Array.isArray(t.function.arguments) ? 'array' : typeof t.function.arguments} into Go value of type map[string]interface {}`);
      }
    }
  }
  for (const k of ['thinking', 'tool_name', 'tool_call_id']) {
    if (m[k] !== undefined && typeof m[k] !== 'string') throw bad(`json: cannot unmarshal into Go struct field Message.messages.${k} of type string`);
  }
}

export interface ValidatedOllamaChat {
  options: Record<string, any>;
  stream: boolean;
}

export function validateOllamaChat(body: Record<string, any>, o: OllamaValidateOptions): ValidatedOllamaChat {
  unknownFields(body, CHAT_FIELDS, o);
  if (typeof body.model !== 'string' || !body.model) throw bad('model is required');
  if (body.messages !== undefined && !Array.isArray(body.messages)) throw bad('json: cannot unmarshal object into Go struct field ChatRequest.messages of type []api.Message');
  for (const m of body.messages ?? []) validateMessage(m, o);
  if (body.stream !== undefined && typeof body.stream !== 'boolean') throw bad('json: cannot unmarshal string into Go struct field ChatRequest.stream of type bool');
  if (body.tools !== undefined) {
    if (!Array.isArray(body.tools)) throw bad('json: cannot unmarshal object into Go struct field ChatRequest.tools of type api.Tools');
    for (const t of body.tools) {
      if (!isObject(t) || !isObject(t.function) || typeof t.function.name !== 'string') throw bad('json: cannot unmarshal tool into Go value of type api.Tool');
      unknownFields(t, ['type', 'items', 'function'], o);
      unknownFields(t.function, ['name', 'description', 'parameters'], o);
    }
  }
  const think = body.think;
  if (think !== undefined && typeof think !== 'boolean' && !['low', 'medium', 'high', 'max'].includes(think)) {
    throw bad(`invalid think value: ${JSON.stringify(think)} (must be "true", "false", "high", "medium", "low", "max")`);
  }
  const f = body.format;
  if (f !== undefined && f !== null && f !== '' && f !== 'json' && !isObject(f)) {
    throw ollamaError(500, `invalid format: ${JSON.stringify(JSON.stringify(f))}; expected "json" or a valid JSON Schema object`);
  }
  validateKeepAlive(body.keep_alive);
  if (body.top_logprobs !== undefined && (!Number.isInteger(body.top_logprobs) || body.top_logprobs < 0 || body.top_logprobs > 20)) throw bad('top_logprobs must be between 0 and 20');
  return { options: validateOptions(body.options, o), stream: body.stream !== false };
}

/** api.Duration: a number of seconds, or a Go duration string ("5m", "1h30m", "-1"). */
function validateKeepAlive(v: unknown): void {
  if (v === undefined || v === null || typeof v === 'number') return;
  if (typeof v !== 'string' || !/^-?(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$|^-?\d+$/.test(v)) throw bad(`time: invalid duration ${JSON.stringify(String(v))}`);
}

export function validateOllamaEmbed(body: Record<string, any>, o: OllamaValidateOptions): { inputs: string[]; options: Record<string, any> } {
  unknownFields(body, EMBED_FIELDS, o);
  if (typeof body.model !== 'string' || !body.model) throw bad('model is required');
  const input = body.input;
  let inputs: string[];
  if (typeof input === 'string') inputs = input ? [input] : [];
  else if (Array.isArray(input)) {
    if (input.some((x) => typeof x !== 'string')) throw bad('invalid input type');
    inputs = input;
  } else if (input === undefined || input === null) inputs = [];
  else throw bad('invalid input type');
  if (body.dimensions !== undefined && (!Number.isInteger(body.dimensions) || body.dimensions < 0)) throw bad('json: cannot unmarshal dimensions into Go struct field EmbedRequest.dimensions of type int');
  validateKeepAlive(body.keep_alive);
  return { inputs, options: validateOptions(body.options, o) };
}
