import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Gateway, type ChatCompletionRequest, type Deployment } from '@tollgate/core';
import type { OllamaState } from '../src/index.js';
import ollamaPlugin, {
  OllamaStreamParser,
  buildOllamaChatBody,
  convertMessages,
  mapOllamaError,
  ollamaHostUrl,
  ollamaRoot,
  ollamaToOpenAI,
  thinkOf,
} from '../src/index.js';

const NATIVE = new Set(['num_ctx', 'min_p', 'num_gpu', 'options', 'keep_alive', 'truncate', 'think']);
const build = (r: Partial<ChatCompletionRequest>, dropParams = false, allowed: ReadonlySet<string> = NATIVE, ctx: { warnings: string[] } | null = null) =>
  buildOllamaChatBody({ model: 'llama', messages: [{ role: 'user', content: 'hi' }], ...r }, { model: 'llama3.2', dropParams, allowed }, ctx as never);

describe('OpenAI request -> Ollama /api/chat body', () => {
  it('max_completion_tokens wins over max_tokens; both land in options.num_predict, never at the top level', () => {
    const body = build({ max_tokens: 10, max_completion_tokens: 20 });
    expect(body.options).toEqual({ num_predict: 20 });
    expect(body).not.toHaveProperty('max_tokens');
    expect(body).not.toHaveProperty('max_completion_tokens');
  });

  it('stream is always explicit, because Ollama streams by default', () => {
    expect(build({}).stream).toBe(false);
    expect(build({ stream: true }).stream).toBe(true);
  });

  it("Ollama's own option names and native fields go up when the deployment allows them; a native options object wins", () => {
    const native = { num_ctx: 2048, min_p: 0.05, temperature: 0.3, options: { temperature: 0.9, num_gpu: 1 }, keep_alive: 0, truncate: false, think: 'high' };
    const body = build(native);
    expect(body).toMatchObject({ options: { num_ctx: 2048, min_p: 0.05, temperature: 0.9, num_gpu: 1 }, keep_alive: 0, truncate: false, think: 'high' });
    expect(() => build({ options: 'fast' })).toThrow(expect.objectContaining({ status: 400, param: 'options' }));
    const ctx = { warnings: [] as string[] };
    const plain = build(native, false, new Set(), ctx);
    expect(plain).toEqual({ model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }], options: { temperature: 0.3 }, stream: false });
    expect(ctx.warnings).toEqual(['num_ctx', 'min_p', 'options', 'keep_alive', 'truncate', 'think'].map((k) => expect.stringContaining(`ignored param '${k}'`)));
  });

  it('unsupported OpenAI params are refused naming them, or dropped with drop_params; unknown fields are ignored; neutral values pass', () => {
    expect(() => build({ logit_bias: { 1: 1 } })).toThrow(expect.objectContaining({ param: 'logit_bias', code: 'unsupported_parameter' }));
    const ctx = { warnings: [] as string[] };
    expect(build({ some_typo: 1, api_key: 'x' }, false, new Set(['api_key']), ctx)).not.toHaveProperty('some_typo');
    expect(ctx.warnings).toEqual([expect.stringContaining("ignored param 'some_typo'"), expect.stringContaining("ignored param 'api_key'")]);
    expect(build({ n: 2, logit_bias: { 1: 1 } }, true)).not.toHaveProperty('logit_bias');
    expect(() => build({ n: 1, parallel_tool_calls: true, store: false, tool_choice: 'auto', user: 'u', metadata: { a: 'b' } })).not.toThrow();
  });

  it('stop: a string becomes a list', () => {
    expect(build({ stop: 'x' }).options).toEqual({ stop: ['x'] });
    expect(build({ stop: ['a', 'b'] }).options).toEqual({ stop: ['a', 'b'] });
  });

  it('think: reasoning_effort is a level for gpt-oss, a boolean elsewhere; thinking.type maps too', () => {
    const req = (r: Partial<ChatCompletionRequest>) => ({ model: 'm', messages: [], ...r });
    expect(thinkOf(req({ reasoning_effort: 'medium' }), 'gpt-oss:20b')).toBe('medium');
    expect(thinkOf(req({ reasoning_effort: 'xhigh' }), 'gpt-oss:20b')).toBe('high');
    expect(thinkOf(req({ reasoning_effort: 'minimal' }), 'gpt-oss:20b')).toBe('low');
    expect(thinkOf(req({ reasoning_effort: 'low' }), 'qwen3')).toBe(true);
    expect(thinkOf(req({ reasoning_effort: 'none' }), 'qwen3')).toBe(false);
    expect(thinkOf(req({ thinking: { type: 'disabled' } }), 'qwen3')).toBe(false);
    expect(thinkOf(req({}), 'qwen3')).toBeUndefined();
  });
});

describe('OpenAI messages -> Ollama messages', () => {
  it('text parts join with newlines; assistant reasoning_content is sent back as thinking', () => {
    expect(convertMessages([
      { role: 'developer', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] },
      { role: 'assistant', content: 'sure', reasoning_content: 'hmm' },
    ])).toEqual([{ role: 'system', content: 'a\nb' }, { role: 'assistant', content: 'sure', thinking: 'hmm' }]);
  });

  it('tool-call arguments must be a JSON object', () => {
    expect(() => convertMessages([{ role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '[1]' } }] }]))
      .toThrow(expect.objectContaining({ param: 'messages[0].tool_calls[0].function.arguments' }));
    expect(convertMessages([{ role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '' } }] }])[0].tool_calls).toEqual([{ id: 'c', function: { name: 'f', arguments: {} } }]);
  });

  it('audio and files are refused naming the part', () => {
    expect(() => convertMessages([{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'x', format: 'wav' } }] }])).toThrow(expect.objectContaining({ param: 'messages[0].content[0]' }));
  });
});

/** Shapes from ollama/ollama docs/api.md ("Chat request (No streaming, with tools)", streamed chat). */
describe('Ollama answers -> OpenAI', () => {
  it('a tool-call answer: ids made when Ollama gives none, finish tool_calls, usage from the counts', () => {
    const r = ollamaToOpenAI({
      model: 'llama3.2',
      created_at: '2025-07-07T20:32:53.844124Z',
      message: { role: 'assistant', content: '', tool_calls: [{ function: { name: 'get_weather', arguments: { city: 'Tokyo' } } }] },
      done_reason: 'stop',
      done: true,
      total_duration: 3244883583,
      prompt_eval_count: 169,
      eval_count: 18,
    }, 'chatcmpl-1', 'llama3.2');
    expect(r).toMatchObject({ id: 'chatcmpl-1', created: 1751920373, model: 'llama3.2', usage: { prompt_tokens: 169, completion_tokens: 18, total_tokens: 187 } });
    expect(r.choices[0].finish_reason).toBe('tool_calls');
    expect(r.choices[0].message.content).toBeNull();
    expect(r.choices[0].message.tool_calls![0]).toMatchObject({ id: expect.stringMatching(/^call_[0-9a-f]{24}$/), type: 'function', function: { name: 'get_weather', arguments: '{"city":"Tokyo"}' } });
  });

  it('stream lines: the first carries the role, the done line the finish and usage', () => {
    const p = new OllamaStreamParser({ id: 'chatcmpl-x', model: 'llama3.2' });
    const line = (o: object) => p.event({ data: JSON.stringify(o) });
    const first = line({ model: 'llama3.2', created_at: '2023-08-04T08:52:19.385406455-07:00', message: { role: 'assistant', content: 'The', images: null }, done: false });
    expect(first).toEqual([expect.objectContaining({ id: 'chatcmpl-x', choices: [{ index: 0, delta: { role: 'assistant', content: 'The' }, finish_reason: null }] })]);
    const done = line({ model: 'llama3.2', created_at: '2023-08-04T19:22:45.499127Z', message: { role: 'assistant', content: '' }, done: true, done_reason: 'length', prompt_eval_count: 26, eval_count: 282 }) as { choices: unknown[]; usage?: unknown }[];
    expect(done.map((c) => c.choices)).toEqual([[{ index: 0, delta: {}, finish_reason: 'length' }], []]);
    expect(done[1].usage).toEqual({ prompt_tokens: 26, completion_tokens: 282, total_tokens: 308 });
  });

  it('an error line throws (the core scrubs keys from it); a context-length error keeps its kind', () => {
    const p = new OllamaStreamParser({ id: 'x', model: 'm' });
    expect(() => p.event({ data: '{"error":"runner died"}' })).toThrow(expect.objectContaining({ status: 502, message: 'ollama: runner died' }));
    expect(() => p.event({ data: '{"error":"the input length exceeds the context length"}' })).toThrow(expect.objectContaining({ status: 400, kind: 'context_window_exceeded' }));
    expect(() => p.event({ data: '{"model":' })).toThrow(expect.objectContaining({ code: 'bad_upstream_response' }));
  });
});

describe('Ollama errors -> canonical errors with kinds', () => {
  const map = (status: number, error?: string) => mapOllamaError({ status, headers: {}, body: error === undefined ? '404 page not found' : JSON.stringify({ error }) });

  it.each([
    [400, 'model is required', 400, 'bad_request'],
    [400, 'the input length exceeds the context length', 400, 'context_window_exceeded'],
    [401, 'unauthorized', 401, 'auth'],
    [403, 'remote inference is unavailable', 403, 'permission'],
    [404, "model 'x' not found", 404, 'not_found'],
    [429, 'too many requests', 429, 'rate_limit'],
    [500, 'option "num_predict" must be of type integer', 400, 'bad_request'],
    [500, 'invalid format: "\\"xml\\""; expected "json" or a valid JSON Schema object', 400, 'bad_request'],
    [500, 'llama runner process has terminated', 500, 'server'],
    [502, 'cloud model unreachable', 502, 'server'],
    [503, 'server busy, please try again.  maximum pending requests exceeded', 503, 'overloaded'],
  ])('HTTP %i %s -> %i %s', (status, error, expected, kind) => {
    expect(map(status, error)).toMatchObject({ status: expected, kind, message: `ollama: ${error}` });
  });

  it("gin's plain-text 404 (a wrong api_base) never reaches the message", () => {
    expect(map(404)).toMatchObject({ status: 404, message: 'Upstream ollama answered HTTP 404.' });
  });
});

describe('base URL and environment', () => {
  const VARS = ['OLLAMA_API_BASE', 'OLLAMA_HOST', 'OLLAMA_API_KEY'];
  const saved = Object.fromEntries(VARS.map((k) => [k, process.env[k]]));
  const clear = () => { for (const k of VARS) delete process.env[k]; };
  beforeEach(clear);
  afterEach(() => {
    clear();
    for (const k of VARS) if (saved[k] !== undefined) process.env[k] = saved[k];
  });

  it('OLLAMA_HOST is read as Ollama reads it', () => {
    expect(ollamaHostUrl('')).toBe('http://127.0.0.1:11434');
    expect(ollamaHostUrl('0.0.0.0')).toBe('http://127.0.0.1:11434');
    expect(ollamaHostUrl('0.0.0.0:8080')).toBe('http://127.0.0.1:8080');
    expect(ollamaHostUrl('gpu-box')).toBe('http://gpu-box:11434');
    expect(ollamaHostUrl('http://gpu-box')).toBe('http://gpu-box:80');
    expect(ollamaHostUrl('https://example.com/ollama/')).toBe('https://example.com:443/ollama');
    expect(ollamaHostUrl('ollama.com')).toBe('https://ollama.com:443');
    expect(ollamaHostUrl('[::]:11434')).toBe('http://[::1]:11434');
  });

  it('api_base may end in /api or /api/chat', () => {
    expect(ollamaRoot('http://h:11434/api/chat')).toBe('http://h:11434');
    expect(ollamaRoot('http://h:11434/api/')).toBe('http://h:11434');
  });

  const state = (d: Deployment) => (d as Deployment<OllamaState>).prepared.state;
  async function prepared(params: Record<string, unknown> = {}) {
    const g = new Gateway({ config: { model_list: [{ model_name: 'm', params: { model: 'ollama_chat/llama3.2', ...params } }], settings: { log_level: 'silent' } } });
    await g.use(ollamaPlugin);
    await g.start();
    const d = g.group('m')!.deployments[0];
    await g.close(100);
    return d;
  }

  it('api_base, else OLLAMA_API_BASE, else OLLAMA_HOST, else http://localhost:11434; OLLAMA_API_KEY as Bearer', async () => {
    expect(state(await prepared()).chatUrl).toBe('http://localhost:11434/api/chat');
    process.env.OLLAMA_HOST = '10.0.0.5';
    expect(state(await prepared()).chatUrl).toBe('http://10.0.0.5:11434/api/chat');
    process.env.OLLAMA_API_BASE = 'http://litellm-style:11434';
    process.env.OLLAMA_API_KEY = 'env-key-123456';
    const d = await prepared();
    expect(state(d).chatUrl).toBe('http://litellm-style:11434/api/chat');
    expect(d.prepared.headers.authorization).toBe('Bearer env-key-123456');
    expect(d.prepared.secrets).toEqual(['env-key-123456']);
    expect(state(await prepared({ api_base: 'http://explicit:1' })).chatUrl).toBe('http://explicit:1/api/chat');
  });

  it('no key, no Authorization header (a local server)', async () => {
    expect((await prepared()).prepared.headers).toEqual({ 'content-type': 'application/json' });
  });

  it('option names, keep_alive and model_info.num_ctx are declared keys: bad values and typos fail start-up naming the path', async () => {
    await expect(prepared({ keep_alive: true })).rejects.toThrowError(/params\.keep_alive.*duration string/);
    await expect(prepared({ num_ctx: 'big' })).rejects.toThrowError(/params\.num_ctx/);
    await expect(prepared({ num_ctxx: 4096 })).rejects.toThrowError(/params\.num_ctxx: is not a known key \(did you mean `num_ctx`\?\)/);
    const g = new Gateway({ config: { model_list: [{ model_name: 'm', params: { model: 'ollama/llama3.2' }, model_info: { num_ctx: 0 } }], settings: { log_level: 'silent' } } });
    await g.use(ollamaPlugin);
    await expect(g.start()).rejects.toThrowError(/model_info\.num_ctx/);
    expect(state(await prepared({ num_ctx: 4096, use_mmap: false, keep_alive: '5m' }))).toMatchObject({ options: { num_ctx: 4096, use_mmap: false }, keepAlive: '5m' });
  });
});
