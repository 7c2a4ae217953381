import OpenAI, { AzureOpenAI } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSse, postRaw, readSse, startMockOpenAI, type MockOpenAIServer } from '../src/index.js';
import { expectError } from './helpers.js';

const JSON_HEADERS = { 'content-type': 'application/json', authorization: 'Bearer sk-test' };
const USER = [{ role: 'user', content: 'hello there my good friend' }];
const WEATHER_TOOL = {
  type: 'function',
  function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: {} } },
};

const call = (server: MockOpenAIServer, path: string, body: unknown, headers: Record<string, string> = JSON_HEADERS) => postRaw(server.url + path, body, headers);

const chat = (server: MockOpenAIServer, body: Record<string, unknown>) =>
  call(server, '/v1/chat/completions', { model: 'gpt-4o-mini', messages: USER, ...body });

describe('openai flavor: rejections', () => {
  let server: MockOpenAIServer;
  beforeAll(async () => {
    server = await startMockOpenAI({ models: ['gpt-4o-mini', 'text-embedding-3-small'], rejectParams: ['logit_bias'] });
  });
  afterAll(() => server.close());

  it('401 without an API key (code null) and with a wrong one (invalid_api_key, key masked)', async () => {
    const missing = await call(server, '/v1/chat/completions', { model: 'gpt-4o-mini', messages: USER }, { 'content-type': 'application/json' });
    expectError(missing, 401, { message: /^You didn't provide an API key/, code: null, param: null });
    const wrong = await call(server, '/v1/chat/completions', { model: 'gpt-4o-mini', messages: USER }, {
      'content-type': 'application/json',
      authorization: 'Bearer sk-proj-abcdefghijklmnopWXYZ',
    });
    expectError(wrong, 401, { message: /^Incorrect API key provided: sk-proj-\*+WXYZ\./, code: 'invalid_api_key' });
  });

  it('404 Invalid URL for unknown routes and wrong methods', async () => {
    expectError(await call(server, '/v1/nope', {}), 404, { message: 'Invalid URL (POST /v1/nope)' });
    expectError(await call(server, '/chat/completions', {}), 404, { message: 'Invalid URL (POST /chat/completions)' });
    const get = await fetch(`${server.url}/v1/chat/completions`, { headers: JSON_HEADERS });
    expect(get.status).toBe(404);
  });

  it('400 on a non-JSON content type and on a body that is not JSON', async () => {
    const r = await call(server, '/v1/chat/completions', JSON.stringify({ model: 'gpt-4o-mini', messages: USER }), {
      'content-type': 'text/plain',
      authorization: 'Bearer sk-test',
    });
    expectError(r, 400, { message: /^Unsupported content type: 'text\/plain'/, code: 'unsupported_content_type' });
    expectError(await call(server, '/v1/chat/completions', '{"model":'), 400, { message: /^We could not parse the JSON body/ });
    expectError(await call(server, '/v1/chat/completions', '[1,2]'), 400, { message: /^We could not parse the JSON body/ });
  });

  it('model: required, must be a string, must exist (404 model_not_found)', async () => {
    expectError(await call(server, '/v1/chat/completions', { messages: USER }), 400, { message: 'you must provide a model parameter' });
    expectError(await chat(server, { model: 42 }), 400, { param: 'model', code: 'invalid_type' });
    expectError(await chat(server, { model: 'gpt-9' }), 404, {
      message: 'The model `gpt-9` does not exist or you do not have access to it.',
      code: 'model_not_found',
    });
  });

  it('unknown top-level params and params the host rejects', async () => {
    expectError(await chat(server, { foo: 1 }), 400, { message: 'Unrecognized request argument supplied: foo', param: null });
    expectError(await chat(server, { logit_bias: { '50256': -100 } }), 400, {
      message: 'Unrecognized request argument supplied: logit_bias',
    });
  });

  it('messages: required, array, non-empty', async () => {
    expectError(await call(server, '/v1/chat/completions', { model: 'gpt-4o-mini' }), 400, {
      message: "Missing required parameter: 'messages'.",
      param: 'messages',
      code: 'missing_required_parameter',
    });
    expectError(await chat(server, { messages: 'hi' }), 400, { param: 'messages', code: 'invalid_type' });
    expectError(await chat(server, { messages: [] }), 400, {
      message: "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
      code: 'empty_array',
    });
    expectError(await chat(server, { messages: ['hi'] }), 400, {
      message: "Invalid type for 'messages[0]': expected an object, but got a string instead.",
    });
  });

  it('messages: role must be known', async () => {
    expectError(await chat(server, { messages: [{ role: 'wizard', content: 'x' }] }), 400, {
      message: "Invalid value: 'wizard'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and 'developer'.",
      param: 'messages[0].role',
      code: 'invalid_value',
    });
    expectError(await chat(server, { messages: [{ content: 'x' }] }), 400, { param: 'messages[0].role', code: 'missing_required_parameter' });
  });

  it('messages: user/system content required, string or valid parts', async () => {
    expectError(await chat(server, { messages: [{ role: 'system', content: 's' }, { role: 'user' }] }), 400, {
      message: "Missing required parameter: 'messages[1].content'.",
      param: 'messages[1].content',
    });
    expectError(await chat(server, { messages: [{ role: 'user', content: 7 }] }), 400, {
      message: "Invalid type for 'messages[0].content': expected one of a string or array of objects, but got an integer instead.",
      code: 'invalid_type',
    });
    expectError(await chat(server, { messages: [{ role: 'user', content: [{ type: 'text' }] }] }), 400, {
      param: 'messages[0].content[0].text',
      code: 'missing_required_parameter',
    });
    expectError(await chat(server, { messages: [{ role: 'user', content: [{ text: 'hi' }] }] }), 400, {
      param: 'messages[0].content[0].type',
    });
    expectError(await chat(server, { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: {} }] }] }), 400, {
      param: 'messages[0].content[0].image_url.url',
      code: 'missing_required_parameter',
    });
    expectError(await chat(server, { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: 'http://x/y.png' }] }] }), 400, {
      message: "Invalid type for 'messages[0].content[0].image_url': expected an object, but got a string instead.",
    });
    expectError(await chat(server, { messages: [{ role: 'system', content: [{ type: 'image_url', image_url: { url: 'x' } }] }] }), 400, {
      param: 'messages[0].content[0].type',
      code: 'invalid_value',
    });
    expectError(await chat(server, { messages: [{ role: 'user', content: 'x', cache_control: { type: 'ephemeral' } }] }), 400, {
      message: "Unknown parameter: 'messages[0].cache_control'.",
      code: 'unknown_parameter',
    });
    expectError(await chat(server, { messages: [{ role: 'user', content: [{ type: 'text', text: 'x', cache_control: { type: 'ephemeral' } }] }] }), 400, {
      message: "Unknown parameter: 'messages[0].content[0].cache_control'.",
    });
    expectError(await chat(server, { messages: [{ role: 'user', content: 'x', tool_calls: [] }] }), 400, {
      message: "Unknown parameter: 'messages[0].tool_calls'.",
    });
  });

  it('tool messages: need tool_call_id and a preceding assistant tool_calls with that id', async () => {
    const assistant = { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{}' } }] };
    expectError(await chat(server, { messages: [...USER, assistant, { role: 'tool', content: 'sunny' }] }), 400, {
      message: "Missing parameter 'tool_call_id': messages with role 'tool' must have a 'tool_call_id'.",
      param: 'messages.[2].tool_call_id',
    });
    expectError(await chat(server, { messages: [...USER, { role: 'tool', tool_call_id: 'call_1', content: 'sunny' }] }), 400, {
      message: "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.",
      param: 'messages.[1].role',
    });
    expectError(await chat(server, { messages: [...USER, assistant, { role: 'tool', tool_call_id: 'call_2', content: 'x' }] }), 400, {
      param: 'messages.[2].role',
    });
    expectError(await chat(server, { messages: [...USER, assistant, { role: 'user', content: 'and?' }] }), 400, {
      message: /^An assistant message with 'tool_calls' must be followed by tool messages .*: call_1$/,
    });
  });

  it('assistant tool_calls: id, type function, function.name, string arguments', async () => {
    const withCall = (c: object) => ({ messages: [...USER, { role: 'assistant', tool_calls: [c] }, { role: 'tool', tool_call_id: 'call_1', content: 'x' }] });
    expectError(await chat(server, withCall({ type: 'function', function: { name: 'f', arguments: '{}' } })), 400, {
      param: 'messages[1].tool_calls[0].id',
    });
    expectError(await chat(server, withCall({ id: 'call_1', type: 'fn', function: { name: 'f', arguments: '{}' } })), 400, {
      param: 'messages[1].tool_calls[0].type',
      code: 'invalid_value',
    });
    expectError(await chat(server, withCall({ id: 'call_1', type: 'function', function: { name: 'f' } })), 400, {
      message: "Missing required parameter: 'messages[1].tool_calls[0].function.arguments'.",
    });
    expectError(await chat(server, withCall({ id: 'call_1', type: 'function', function: { name: 'f', arguments: {} } })), 400, {
      param: 'messages[1].tool_calls[0].function.arguments',
      code: 'invalid_type',
    });
    expectError(await chat(server, withCall({ id: 'call_1', type: 'function', function: { name: 'a b', arguments: '{}' } })), 400, {
      param: 'messages[1].tool_calls[0].function.name',
      code: 'invalid_value',
    });
    // a streamed delta's `index` left in a replayed tool call
    expectError(await chat(server, withCall({ index: 0, id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } })), 400, {
      message: "Unknown parameter: 'messages[1].tool_calls[0].index'.",
      code: 'unknown_parameter',
    });
  });

  it('sampling ranges and types', async () => {
    expectError(await chat(server, { temperature: 3 }), 400, {
      message: "Invalid 'temperature': decimal above maximum value. Expected a value <= 2, but got 3 instead.",
      param: 'temperature',
      code: 'decimal_above_max_value',
    });
    expectError(await chat(server, { temperature: 'hot' }), 400, {
      message: "Invalid type for 'temperature': expected a decimal, but got a string instead.",
    });
    expectError(await chat(server, { top_p: -0.1 }), 400, { code: 'decimal_below_min_value' });
    expectError(await chat(server, { presence_penalty: 2.5 }), 400, { param: 'presence_penalty' });
    expectError(await chat(server, { n: 0 }), 400, {
      message: "Invalid 'n': integer below minimum value. Expected a value >= 1, but got 0 instead.",
      code: 'integer_below_min_value',
    });
    expectError(await chat(server, { n: 1.5 }), 400, { code: 'invalid_type' });
    expectError(await chat(server, { max_tokens: 0 }), 400, { param: 'max_tokens' });
    expectError(await chat(server, { stop: ['a', 'b', 'c', 'd', 'e'] }), 400, { code: 'array_above_max_length' });
    expectError(await chat(server, { top_logprobs: 3 }), 400, { param: 'top_logprobs' });
    expectError(await chat(server, { reasoning_effort: 'extreme' }), 400, { param: 'reasoning_effort', code: 'invalid_value' });
    expectError(await chat(server, { stream: 'yes' }), 400, { param: 'stream', code: 'invalid_type' });
  });

  it('stream_options only with stream: true', async () => {
    expectError(await chat(server, { stream_options: { include_usage: true } }), 400, {
      message: "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
      param: 'stream_options',
    });
    expectError(await chat(server, { stream: false, stream_options: { include_usage: true } }), 400, { param: 'stream_options' });
    expectError(await chat(server, { stream: true, stream_options: { include_usage: true, extra: 1 } }), 400, {
      code: 'unknown_parameter',
    });
  });

  it('tools: shape, name pattern, tool_choice consistency', async () => {
    expectError(await chat(server, { tools: [{ function: { name: 'f' } }] }), 400, {
      message: "Missing required parameter: 'tools[0].type'.",
    });
    expectError(await chat(server, { tools: [{ type: 'function' }] }), 400, { param: 'tools[0].function' });
    expectError(await chat(server, { tools: [{ type: 'function', function: { name: 'get weather' } }] }), 400, {
      message:
        "Invalid 'tools[0].function.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.",
      param: 'tools[0].function.name',
      code: 'invalid_value',
    });
    expectError(await chat(server, { tools: [{ type: 'function', function: { name: 'x'.repeat(65) } }] }), 400, {
      code: 'string_above_max_length',
    });
    expectError(await chat(server, { tools: [{ type: 'function', function: { name: 'f', required: ['a'] } }] }), 400, {
      message: "Unknown parameter: 'tools[0].function.required'.",
    });
    expectError(await chat(server, { tools: [{ type: 'function', function: { name: 'f', parameters: 'x' } }] }), 400, {
      param: 'tools[0].function.parameters',
    });
    expectError(await chat(server, { tool_choice: 'auto' }), 400, { param: 'tool_choice' });
    expectError(await chat(server, { parallel_tool_calls: false }), 400, { param: 'parallel_tool_calls' });
    expectError(await chat(server, { tools: [WEATHER_TOOL], tool_choice: 'always' }), 400, { param: 'tool_choice', code: 'invalid_value' });
    expectError(await chat(server, { tools: [WEATHER_TOOL], tool_choice: { type: 'function', function: { name: 'other' } } }), 400, {
      param: 'tool_choice',
    });
  });

  it('response_format: json_schema needs a name; json_object needs "json" in the messages', async () => {
    expectError(await chat(server, { response_format: { type: 'json_schema', json_schema: { schema: { type: 'object' } } } }), 400, {
      message: "Missing required parameter: 'response_format.json_schema.name'.",
    });
    expectError(await chat(server, { response_format: { type: 'xml' } }), 400, { param: 'response_format.type' });
    expectError(await chat(server, { response_format: { type: 'json_object' } }), 400, {
      message: "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.",
    });
  });

  it('embeddings: model, input and encoding_format are checked', async () => {
    const embed = (body: object) => call(server, '/v1/embeddings', body);
    expectError(await embed({ input: 'x' }), 400, { message: 'you must provide a model parameter' });
    expectError(await embed({ model: 'text-embedding-3-small' }), 400, { message: "Missing required parameter: 'input'." });
    for (const input of ['', [], [''], [1, 'a'], [[]]]) {
      expectError(await embed({ model: 'text-embedding-3-small', input }), 400, { message: /^'\$\.input' is invalid/ });
    }
    expectError(await embed({ model: 'text-embedding-3-small', input: 'x', encoding_format: 'hex' }), 400, { code: 'invalid_value' });
    expectError(await embed({ model: 'text-embedding-3-small', input: 'x', dimensions: 0 }), 400, { param: 'dimensions' });
    expectError(await embed({ model: 'text-embedding-3-small', input: 'x', foo: 1 }), 400, {
      message: 'Unrecognized request argument supplied: foo',
    });
    expectError(await embed({ model: 'text-embedding-9', input: 'x' }), 404, { code: 'model_not_found' });
  });

  it('models: unknown id is 404 model_not_found', async () => {
    const r = await fetch(`${server.url}/v1/models/gpt-9`, { headers: JSON_HEADERS });
    expectError({ status: r.status, json: await r.json() }, 404, { param: 'model', code: 'model_not_found' });
  });
});

describe('openai flavor: replies', () => {
  let server: MockOpenAIServer;
  beforeAll(async () => {
    server = await startMockOpenAI();
  });
  afterAll(() => server.close());

  it('non-streamed chat has the OpenAI shape, echoes the model and counts usage', async () => {
    const r = await chat(server, { model: 'my-model', messages: [{ role: 'system', content: 'be kind' }, ...USER] });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/json');
    expect(r.headers.get('x-request-id')).toMatch(/^req_/);
    const body = r.json;
    expect(Object.keys(body)).toEqual(['id', 'object', 'created', 'model', 'choices', 'usage', 'service_tier', 'system_fingerprint']);
    expect(body.id).toMatch(/^chatcmpl-/);
    expect(body.object).toBe('chat.completion');
    expect(body.model).toBe('my-model');
    expect(body.choices).toEqual([
      {
        index: 0,
        message: { role: 'assistant', content: 'echo: hello there my good friend', refusal: null, annotations: [] },
        logprobs: null,
        finish_reason: 'stop',
      },
    ]);
    // ceil(7/4) + ceil(26/4) = 2 + 7; completion ceil(32/4) = 8
    expect(body.usage).toMatchObject({
      prompt_tokens: 9,
      completion_tokens: 8,
      total_tokens: 17,
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0 },
    });
  });

  it('n > 1 returns n choices; content parts are read; max_tokens truncates with finish_reason length', async () => {
    const parts = [{ role: 'user', content: [{ type: 'text', text: 'look' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AA' } }] }];
    const r = await chat(server, { n: 3, messages: parts });
    expect(r.json.choices.map((c: any) => [c.index, c.message.content])).toEqual([
      [0, 'echo: look'],
      [1, 'echo: look'],
      [2, 'echo: look'],
    ]);
    const cut = await chat(server, { max_completion_tokens: 2 });
    expect(cut.json.choices[0]).toMatchObject({ message: { content: 'echo: he' }, finish_reason: 'length' });
    expect(cut.json.usage.completion_tokens).toBe(2);
  });

  it('tool calls: on "call tool", on tool_choice required / named; tool results are echoed', async () => {
    const byText = await chat(server, { tools: [WEATHER_TOOL], messages: [{ role: 'user', content: 'please call tool' }] });
    const choice = byText.json.choices[0];
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.content).toBeNull();
    expect(choice.message.tool_calls).toEqual([
      { id: expect.stringMatching(/^call_/), type: 'function', function: { name: 'get_weather', arguments: '{"echo":"please call tool"}' } },
    ]);
    const again = await chat(server, { tools: [WEATHER_TOOL], messages: [{ role: 'user', content: 'please call tool' }] });
    expect(again.json.choices[0].message.tool_calls[0].id).toBe(choice.message.tool_calls[0].id);

    const second = { type: 'function', function: { name: 'lookup' } };
    const named = await chat(server, { tools: [WEATHER_TOOL, second], tool_choice: { type: 'function', function: { name: 'lookup' } } });
    expect(named.json.choices[0].message.tool_calls[0].function.name).toBe('lookup');
    const required = await chat(server, { tools: [WEATHER_TOOL], tool_choice: 'required' });
    expect(required.json.choices[0].finish_reason).toBe('tool_calls');
    const auto = await chat(server, { tools: [WEATHER_TOOL], tool_choice: 'auto' });
    expect(auto.json.choices[0].finish_reason).toBe('stop');

    const history = [
      { role: 'user', content: 'please call tool' },
      choice.message,
      { role: 'tool', tool_call_id: choice.message.tool_calls[0].id, content: 'sunny, 21C' },
    ];
    const after = await chat(server, { tools: [WEATHER_TOOL], messages: history });
    expect(after.json.choices[0].message.content).toBe('tool said: sunny, 21C');
  });

  it('json modes reply with a JSON string', async () => {
    const schema = { type: 'json_schema', json_schema: { name: 'echo', schema: { type: 'object' } } };
    const r = await chat(server, { response_format: schema });
    expect(JSON.parse(r.json.choices[0].message.content)).toEqual({ echo: 'hello there my good friend' });
    const obj = await chat(server, { response_format: { type: 'json_object' }, messages: [{ role: 'user', content: 'answer in JSON' }] });
    expect(JSON.parse(obj.json.choices[0].message.content)).toEqual({ echo: 'answer in JSON' });
  });

  it('streams real SSE: role chunk, ~3-word pieces, finish, usage chunk, [DONE]', async () => {
    const res = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: JSON_HEADERS,
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: USER, stream: true, stream_options: { include_usage: true } }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const raw = await res.text();
    expect(raw.trimEnd().endsWith('data: [DONE]')).toBe(true);
    const chunks = parseSse(raw);
    const first = chunks[0];
    expect(Object.keys(first)).toEqual(['id', 'object', 'created', 'model', 'service_tier', 'system_fingerprint', 'choices', 'usage']);
    expect(first).toMatchObject({ object: 'chat.completion.chunk', model: 'gpt-4o-mini', usage: null });
    expect(first.choices[0]).toEqual({ index: 0, delta: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: null });
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    const pieces = chunks.slice(1).flatMap((c) => c.choices).filter((c) => c.delta.content).map((c) => c.delta.content);
    expect(pieces).toEqual(['echo: hello there ', 'my good friend']);
    const last = chunks[chunks.length - 1];
    expect(last.choices).toEqual([]);
    expect(last.usage).toMatchObject({ prompt_tokens: 7, completion_tokens: 8, total_tokens: 15 });
    expect(chunks[chunks.length - 2].choices[0]).toMatchObject({ delta: {}, finish_reason: 'stop' });
    expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);
  });

  it('streams without include_usage carry no usage field', async () => {
    const res = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: JSON_HEADERS,
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: USER, stream: true }),
    });
    const chunks = await readSse(res);
    expect(chunks.every((c) => !('usage' in c))).toBe(true);
  });

  it('streams tool calls like OpenAI: head delta with id/name, then argument fragments', async () => {
    const res = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: JSON_HEADERS,
      body: JSON.stringify({ model: 'gpt-4o-mini', stream: true, tools: [WEATHER_TOOL], messages: [{ role: 'user', content: 'call tool now' }] }),
    });
    const chunks = await readSse(res);
    const head = chunks[0].choices[0].delta;
    expect(head).toMatchObject({ role: 'assistant', content: null });
    expect(head.tool_calls).toEqual([{ index: 0, id: expect.stringMatching(/^call_/), type: 'function', function: { name: 'get_weather', arguments: '' } }]);
    const frags = chunks.slice(1, -1).map((c) => c.choices[0].delta.tool_calls[0]);
    expect(frags.length).toBeGreaterThan(1);
    expect(frags.every((f) => f.index === 0 && f.id === undefined)).toBe(true);
    expect(JSON.parse(frags.map((f) => f.function.arguments).join(''))).toEqual({ echo: 'call tool now' });
    expect(chunks[chunks.length - 1].choices[0].finish_reason).toBe('tool_calls');
  });

  it('embeddings: deterministic unit vectors, dimensions, base64 float32 LE, usage', async () => {
    const a = await call(server, '/v1/embeddings', { model: 'text-embedding-3-small', input: ['alpha', 'beta'], encoding_format: 'float' });
    expect(a.status).toBe(200);
    // ceil(5/4) + ceil(4/4)
    expect(a.json).toMatchObject({ object: 'list', model: 'text-embedding-3-small', usage: { prompt_tokens: 3, total_tokens: 3 } });
    const [e0, e1] = a.json.data;
    expect(e0).toMatchObject({ object: 'embedding', index: 0 });
    expect(e0.embedding).toHaveLength(8);
    expect(Math.hypot(...e0.embedding)).toBeCloseTo(1, 5);
    expect(e1.embedding).not.toEqual(e0.embedding);

    const b = await call(server, '/v1/embeddings', { model: 'text-embedding-3-small', input: 'alpha', encoding_format: 'base64', dimensions: 16 });
    const buf = Buffer.from(b.json.data[0].embedding, 'base64');
    expect(buf.length).toBe(16 * 4);
    const c = await call(server, '/v1/embeddings', { model: 'text-embedding-3-small', input: 'alpha', dimensions: 16 });
    const decoded = Array.from({ length: 16 }, (_, i) => buf.readFloatLE(i * 4));
    expect(decoded).toEqual(c.json.data[0].embedding);
    expect(c.json.data[0].embedding.slice(0, 8)).not.toEqual(e0.embedding); // renormalised for 16 dims

    const tokens = await call(server, '/v1/embeddings', { model: 'text-embedding-3-small', input: [[1, 2, 3], [4, 5]] });
    expect(tokens.json.data).toHaveLength(2);
    expect(tokens.json.usage.prompt_tokens).toBe(5);
  });

  it('models list and retrieve', async () => {
    const list: any = await (await fetch(`${server.url}/v1/models`, { headers: JSON_HEADERS })).json();
    expect(list.object).toBe('list');
    expect(list.data[0]).toEqual({ id: 'gpt-4o-mini', object: 'model', created: expect.any(Number), owned_by: 'system' });
    const one: any = await (await fetch(`${server.url}/v1/models/meta-llama/Llama-3-8b`, { headers: JSON_HEADERS })).json();
    expect(one.id).toBe('meta-llama/Llama-3-8b');
  });

  it('records every request, valid or not', async () => {
    const before = server.requests.length;
    await chat(server, { temperature: 9 });
    const rec = server.requests[before];
    expect(rec).toMatchObject({ method: 'POST', path: '/v1/chat/completions', query: {}, body: { temperature: 9 } });
    expect(rec.headers.authorization).toBe('Bearer sk-test');
  });
});

describe('base paths of OpenAI-compatible hosts', () => {
  it('serves under a custom basePath and under none', async () => {
    const groq = await startMockOpenAI({ basePath: '/openai/v1', apiKey: 'gsk_x' });
    const bare = await startMockOpenAI({ basePath: '' });
    try {
      const h = { 'content-type': 'application/json', authorization: 'Bearer gsk_x' };
      expect((await call(groq, '/openai/v1/chat/completions', { model: 'm', messages: USER }, h)).status).toBe(200);
      expect((await call(groq, '/v1/chat/completions', { model: 'm', messages: USER }, h)).status).toBe(404);
      expect((await call(bare, '/chat/completions', { model: 'm', messages: USER })).status).toBe(200);
    } finally {
      await groq.close();
      await bare.close();
    }
  });
});

describe('azure flavor', () => {
  let server: MockOpenAIServer;
  const path = (dep: string, op = 'chat/completions', v: string | null = '2024-10-21') =>
    `/openai/deployments/${dep}/${op}${v === null ? '' : `?api-version=${v}`}`;
  const AZ = { 'content-type': 'application/json', 'api-key': 'az-key' };
  beforeAll(async () => {
    server = await startMockOpenAI({
      flavor: 'azure',
      apiKey: 'az-key',
      azureDeployments: ['gpt4o'],
      azureApiVersions: ['2024-10-21'],
      azureBearerToken: 'entra-token',
    });
  });
  afterAll(() => server.close());

  it('gateway errors use Azure codes and statuses', async () => {
    const noVersion = await call(server, path('gpt4o', 'chat/completions', null), { messages: USER }, AZ);
    expect(noVersion.status).toBe(404);
    expect(noVersion.json).toEqual({ error: { code: '404', message: 'Resource not found' } });
    const badKey = await call(server, path('gpt4o'), { messages: USER }, { 'content-type': 'application/json', 'api-key': 'nope' });
    expect(badKey.status).toBe(401);
    expect(badKey.json.error.message).toMatch(/^Access denied due to invalid subscription key/);
    const bearerIsNotApiKey = await call(server, path('gpt4o'), { messages: USER }, { 'content-type': 'application/json', authorization: 'Bearer az-key' });
    expect(bearerIsNotApiKey.status).toBe(401);
    const badVersion = await call(server, path('gpt4o', 'chat/completions', '2099-01-01'), { messages: USER }, AZ);
    expect(badVersion.status).toBe(400);
    expect(badVersion.json).toEqual({ error: { code: 'BadRequest', message: 'API version not supported' } });
    const noDep = await call(server, path('other'), { messages: USER }, AZ);
    expect(noDep.status).toBe(404);
    expect(noDep.json.error.code).toBe('DeploymentNotFound');
  });

  it('model is optional; body validation is OpenAI strictness', async () => {
    const ok = await call(server, path('gpt4o'), { messages: USER }, AZ);
    expect(ok.status).toBe(200);
    expect(ok.json.model).toBe('gpt4o');
    expect(ok.json.prompt_filter_results).toHaveLength(1);
    const bearer = await call(server, path('gpt4o'), { model: 'gpt-4o', messages: USER }, { 'content-type': 'application/json', authorization: 'Bearer entra-token' });
    expect(bearer.status).toBe(200);
    expect(bearer.json.model).toBe('gpt-4o');
    expectError(await call(server, path('gpt4o'), { messages: USER, output_config: {} }, AZ), 400, {
      message: 'Unrecognized request argument supplied: output_config',
    });
    const emb = await call(server, path('gpt4o', 'embeddings'), { input: 'x' }, AZ);
    expect(emb.json.data[0].embedding).toHaveLength(8);
  });

  it('streams with the leading choice-less content-filter chunk Azure sends', async () => {
    const res = await fetch(server.url + path('gpt4o'), { method: 'POST', headers: AZ, body: JSON.stringify({ messages: USER, stream: true }) });
    const chunks = await readSse(res);
    expect(chunks[0]).toMatchObject({ choices: [], id: '', object: '', model: '', created: 0 });
    expect(chunks[1].choices[0].delta).toEqual({ role: 'assistant', content: '', refusal: null });
  });

  it('works with the AzureOpenAI client of the openai SDK', async () => {
    const client = new AzureOpenAI({ endpoint: server.url, apiKey: 'az-key', apiVersion: '2024-10-21', deployment: 'gpt4o' });
    const r = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi azure' }] });
    expect(r.choices[0].message.content).toBe('echo: hi azure');
    const stream = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi azure' }], stream: true });
    let text = '';
    for await (const c of stream) text += c.choices[0]?.delta?.content ?? '';
    expect(text).toBe('echo: hi azure');
    expect(server.requests.at(-1)?.headers['api-key']).toBe('az-key');
  });
});

describe('faults', () => {
  let server: MockOpenAIServer;
  beforeAll(async () => {
    server = await startMockOpenAI({ streamChunkDelayMs: 1 });
  });
  afterAll(() => server.close());
  const streamBody = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'one two three four five six seven eight nine' }], stream: true };

  it('status: 429 with retry-after, 503 with an HTML body; one-shot', async () => {
    server.setNext({ kind: 'status', status: 429, headers: { 'retry-after': '2' } });
    const r = await chat(server, {});
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBe('2');
    expect(r.json.error.code).toBe('rate_limit_exceeded');
    server.setNext({ kind: 'status', status: 503, body: '<html><body>Service Unavailable</body></html>' });
    const html = await chat(server, {});
    expect(html.status).toBe(503);
    expect(html.headers.get('content-type')).toBe('text/html');
    expect((await chat(server, {})).status).toBe(200);
  });

  it('delay', async () => {
    server.setNext({ kind: 'delay', ms: 120 });
    const t0 = Date.now();
    expect((await chat(server, {})).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(110);
  });

  it('cut: the socket dies after N chunks', async () => {
    server.setNext({ kind: 'cut', afterChunks: 2 });
    const res = await fetch(`${server.url}/v1/chat/completions`, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify(streamBody) });
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
    server.setNext({ kind: 'cut', afterChunks: 0 });
    await expect(chat(server, {})).rejects.toThrow();
  });

  it('malformed: a 200 that is not JSON / an SSE data line that is not JSON', async () => {
    server.setNext({ kind: 'malformed' });
    const r = await chat(server, {});
    expect(r.status).toBe(200);
    expect(r.json).toBeUndefined();
    server.setNext({ kind: 'malformed' });
    const res = await fetch(`${server.url}/v1/chat/completions`, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify(streamBody) });
    await expect(readSse(res)).rejects.toThrow(/not JSON/);
  });

  it('stream-error: an error event after N chunks, then the stream ends', async () => {
    server.setNext({ kind: 'stream-error', afterChunks: 2 });
    const res = await fetch(`${server.url}/v1/chat/completions`, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify(streamBody) });
    const raw = await res.text();
    expect(raw).not.toContain('[DONE]');
    const events = parseSse(raw);
    expect(events).toHaveLength(3);
    expect(events[2]).toEqual({ error: { message: expect.any(String), type: 'server_error', param: null, code: null } });
  });
});

describe('official openai SDK against the mock', () => {
  let server: MockOpenAIServer;
  let client: OpenAI;
  beforeAll(async () => {
    server = await startMockOpenAI({ models: ['gpt-4o-mini', 'text-embedding-3-small'] });
    client = new OpenAI({ apiKey: 'sk-test', baseURL: `${server.url}/v1`, maxRetries: 0 });
  });
  afterAll(() => server.close());

  it('chat completion', async () => {
    const r = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi sdk' }] });
    expect(r.choices[0].message.content).toBe('echo: hi sdk');
    expect(r.usage?.prompt_tokens_details?.cached_tokens).toBe(0);
  });

  it('streaming with include_usage', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'stream me a few words please' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe('echo: stream me a few words please');
    expect(usage?.total_tokens).toBeGreaterThan(0);
  });

  it('stream helper accumulates tool calls', async () => {
    const runner = client.chat.completions.stream({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'call tool please' }],
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: {} } } }],
    });
    const final = await runner.finalChatCompletion();
    const call = final.choices[0].message.tool_calls?.[0];
    expect(call?.type === 'function' && JSON.parse(call.function.arguments)).toEqual({ echo: 'call tool please' });
  });

  it('embeddings: default (SDK asks base64 and decodes) equals explicit float', async () => {
    const def = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'vector me' });
    expect(server.requests.at(-1)?.body.encoding_format).toBe('base64');
    const flt = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'vector me', encoding_format: 'float' });
    expect(def.data[0].embedding).toEqual(flt.data[0].embedding);
    expect(def.data[0].embedding).toHaveLength(8);
  });

  it('models list and retrieve', async () => {
    const ids: string[] = [];
    for await (const m of client.models.list()) ids.push(m.id);
    expect(ids).toEqual(['gpt-4o-mini', 'text-embedding-3-small']);
    expect((await client.models.retrieve('gpt-4o-mini')).owned_by).toBe('system');
    await expect(client.models.retrieve('gpt-9')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('errors map to the SDK error classes', async () => {
    const bad = new OpenAI({ apiKey: 'sk-wrong', baseURL: `${server.url}/v1`, maxRetries: 0 });
    await expect(bad.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] })).rejects.toMatchObject({
      status: 401,
      code: 'invalid_api_key',
    });
    const err = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }], temperature: 5 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err).toMatchObject({ param: 'temperature', code: 'decimal_above_max_value' });
  });

  it('a mid-stream error event surfaces as an APIError', async () => {
    server.setNext({ kind: 'stream-error', afterChunks: 1 });
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x y z' }], stream: true });
    await expect(
      (async () => {
        for await (const _ of stream) {
          // drain
        }
      })(),
    ).rejects.toBeInstanceOf(OpenAI.APIError);
  });
});

describe('readSse', () => {
  it('parses CRLF, comments, multi-line data and stops at [DONE]', async () => {
    const text = ': ping\r\n\r\nevent: x\r\ndata: {"a":\r\ndata: 1}\r\n\r\ndata: {"b":2}\n\ndata: [DONE]\n\ndata: {"c":3}\n\n';
    expect(await readSse(text)).toEqual([{ a: 1 }, { b: 2 }]);
    expect(await readSse(new Response('data: {"ok":true}\n\n'))).toEqual([{ ok: true }]);
  });
});
