import { BadRequestError, ConfigError } from '@tollgate/core';
import { afterEach, describe, expect, it } from 'vitest';
import { build, deployment, serviceAccount, studio } from './helpers.js';

const WEATHER = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
  },
};

describe('request: URLs and headers', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('AI Studio: generateContent / streamGenerateContent?alt=sse with x-goog-api-key', () => {
    const { up } = build({});
    expect(up.url).toBe('https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent');
    expect(up.headers['x-goog-api-key']).toBe('AIzaTestKey-1234567890abcdefghij');
    expect(up.headers.authorization).toBeUndefined();
    expect(build({ stream: true }).up.url).toBe('https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
    expect(build({}, studio({ api_base: 'http://127.0.0.1:9/' })).up.url).toBe('http://127.0.0.1:9/v1beta/models/gemini-2.5-flash:generateContent');
    expect(build({}, studio({ api_base: 'http://h/v1' })).up.url).toBe('http://h/v1/models/gemini-2.5-flash:generateContent');
  });

  it('AI Studio: the key comes from GEMINI_API_KEY or GOOGLE_API_KEY; none is a start-up error', () => {
    delete process.env.GEMINI_API_KEY;
    delete process.env.GOOGLE_API_KEY;
    expect(() => deployment({ model: 'gemini/gemini-2.5-flash' })).toThrow(ConfigError);
    process.env.GOOGLE_API_KEY = 'from-google-env';
    expect(build({}, deployment({ model: 'gemini/gemini-2.5-flash' })).up.headers['x-goog-api-key']).toBe('from-google-env');
    process.env.GEMINI_API_KEY = 'from-gemini-env';
    expect(build({}, deployment({ model: 'gemini/gemini-2.5-flash' })).up.headers['x-goog-api-key']).toBe('from-gemini-env');
  });

  it('Vertex AI: regional and global hosts, v1beta1 for vertex_ai_beta, tuned endpoints', () => {
    const creds = JSON.stringify(serviceAccount());
    const v = (model: string, extra: Record<string, unknown> = {}) =>
      build({}, deployment({ model, vertex_credentials: creds, vertex_project: 'p1', vertex_location: 'europe-west4', ...extra })).up;
    expect(v('vertex_ai/gemini-2.5-pro').url).toBe('https://europe-west4-aiplatform.googleapis.com/v1/projects/p1/locations/europe-west4/publishers/google/models/gemini-2.5-pro:generateContent');
    expect(v('vertex_ai/gemini-2.5-pro', { vertex_location: 'global' }).url).toBe('https://aiplatform.googleapis.com/v1/projects/p1/locations/global/publishers/google/models/gemini-2.5-pro:generateContent');
    expect(v('vertex_ai_beta/gemini-2.5-pro').url).toContain('/v1beta1/projects/p1/');
    expect(v('vertex_ai/1234567890').url).toBe('https://europe-west4-aiplatform.googleapis.com/v1/projects/p1/locations/europe-west4/endpoints/1234567890:generateContent');
    expect(v('vertex_ai/gemini-2.5-pro').headers['x-goog-api-key']).toBeUndefined();
  });

  it('Vertex AI: credentials from a file path or GOOGLE_APPLICATION_CREDENTIALS; project from the key file', async () => {
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const file = join(mkdtempSync(join(tmpdir(), 'tg-')), 'sa.json');
    writeFileSync(file, JSON.stringify(serviceAccount()));
    delete process.env.VERTEXAI_PROJECT;
    delete process.env.GOOGLE_CLOUD_PROJECT;
    expect(build({}, deployment({ model: 'vertex_ai/gemini-2.5-flash', vertex_credentials: file })).up.url).toContain('/projects/test-project/locations/us-central1/');
    process.env.GOOGLE_APPLICATION_CREDENTIALS = file;
    expect(build({}, deployment({ model: 'vertex_ai/gemini-2.5-flash' })).up.url).toContain('us-central1-aiplatform.googleapis.com');
    delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
    expect(() => deployment({ model: 'vertex_ai/gemini-2.5-flash' })).toThrow(/vertex_credentials/);
    expect(() => deployment({ model: 'vertex_ai/gemini-2.5-flash', vertex_credentials: '/nope/missing.json' })).toThrow(/Cannot read/);
    expect(() => deployment({ model: 'vertex_ai/gemini-2.5-flash', vertex_credentials: '{"type":"authorized_user"}' })).toThrow(/not supported/);
    expect(() => deployment({ model: 'vertex_ai/gemini-2.5-flash', vertex_credentials: JSON.stringify({ ...serviceAccount(), private_key: 'garbage' }) })).toThrow(/private_key/);
  });
});

describe('request: messages -> contents', () => {
  it('system and developer messages become systemInstruction; roles are user/model; turns merge', () => {
    const { body } = build({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'developer', content: [{ type: 'text', text: 'Use metric.' }] },
        { role: 'user', content: 'Hello' },
        { role: 'user', content: [{ type: 'text', text: 'there' }] },
        { role: 'assistant', content: 'Hi!' },
        { role: 'user', content: 'Weather?' },
      ],
    });
    expect(body.systemInstruction).toEqual({ parts: [{ text: 'Be brief.' }, { text: 'Use metric.' }] });
    expect(body.contents).toEqual([
      { role: 'user', parts: [{ text: 'Hello' }, { text: 'there' }] },
      { role: 'model', parts: [{ text: 'Hi!' }] },
      { role: 'user', parts: [{ text: 'Weather?' }] },
    ]);
  });

  it('images: data URLs become inlineData, https and gs:// become fileData with a guessed type', () => {
    const { body } = build({
      messages: [{
        role: 'user',
        content: [
          { type: 'text', text: 'What is this?' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          { type: 'image_url', image_url: { url: 'https://example.com/cat.JPG?size=large' } },
          { type: 'image_url', image_url: { url: 'gs://bucket/doc.pdf' } },
          { type: 'image_url', image_url: { url: 'https://example.com/render', format: 'image/webp' } as { url: string } },
          { type: 'input_audio', input_audio: { data: 'UklGRg==', format: 'wav' } },
          { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0=' } },
          { type: 'file', file: { file_id: 'files/abc123', format: 'video/mp4' } },
        ],
      }],
    });
    expect(body.contents[0].parts).toEqual([
      { text: 'What is this?' },
      { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } },
      { fileData: { mimeType: 'image/jpeg', fileUri: 'https://example.com/cat.JPG?size=large' } },
      { fileData: { mimeType: 'application/pdf', fileUri: 'gs://bucket/doc.pdf' } },
      { fileData: { mimeType: 'image/webp', fileUri: 'https://example.com/render' } },
      { inlineData: { mimeType: 'audio/wav', data: 'UklGRg==' } },
      { inlineData: { mimeType: 'application/pdf', data: 'JVBERi0=' } },
      { fileData: { mimeType: 'video/mp4', fileUri: 'https://generativelanguage.googleapis.com/v1beta/files/abc123' } },
    ]);
    expect(() => build({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'ftp://x/y.png' } }] }] })).toThrow(BadRequestError);
  });

  it('tool round trip: tool_calls -> functionCall, tool results -> functionResponse named by the call id', () => {
    const { body } = build({
      tools: [WEATHER],
      messages: [
        { role: 'user', content: 'Weather in Paris and Rome?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_0', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
            { id: 'call_1__thought__c2lnbmF0dXJl', type: 'function', function: { name: 'get_time', arguments: '' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_0', content: '{"temp":21}' },
        { role: 'tool', tool_call_id: 'call_1__thought__c2lnbmF0dXJl', content: 'noon' },
        { role: 'user', content: 'Thanks' },
      ],
    });
    expect(body.contents).toEqual([
      { role: 'user', parts: [{ text: 'Weather in Paris and Rome?' }] },
      {
        role: 'model',
        parts: [
          { functionCall: { name: 'get_weather', args: { city: 'Paris' } } },
          { functionCall: { name: 'get_time', args: {} }, thoughtSignature: 'c2lnbmF0dXJl' },
        ],
      },
      {
        role: 'user',
        parts: [
          { functionResponse: { name: 'get_weather', response: { temp: 21 } } },
          // a non-object result is wrapped: functionResponse.response must be an object
          { functionResponse: { name: 'get_time', response: { content: 'noon' } } },
        ],
      },
      // the user's text is its own turn, never merged into the function-response turn
      { role: 'user', parts: [{ text: 'Thanks' }] },
    ]);
  });

  it('legacy function messages, assistant content parts, and media the adapter cannot send', () => {
    const { body } = build({
      messages: [
        { role: 'user', content: 'a' },
        { role: 'assistant', content: [{ type: 'text', text: 'calling' }], function_call: { name: 'f', arguments: '{"x":1}' } },
        { role: 'function', name: 'f', content: '{"ok":true}' },
      ],
    });
    expect(body.contents.slice(1)).toEqual([
      { role: 'model', parts: [{ text: 'calling' }, { functionCall: { name: 'f', args: { x: 1 } } }] },
      { role: 'user', parts: [{ functionResponse: { name: 'f', response: { ok: true } } }] },
    ]);
    const part = (p: unknown) => () => build({ messages: [{ role: 'user', content: [p as never] }] });
    expect(part({ type: 'file', file: { file_data: 'JVBERi0=' } })).toThrow(/file.format/);
    expect(build({ messages: [{ role: 'user', content: [{ type: 'file', file: { file_data: 'JVBERi0=', filename: 'a.pdf' } }] }] }).body.contents[0].parts)
      .toEqual([{ inlineData: { mimeType: 'application/pdf', data: 'JVBERi0=' } }]);
    expect(part({ type: 'file', file: {} })).toThrow(/file_data or file_id/);
    expect(part({ type: 'video', video: {} })).toThrow(/'video' is not supported/);
    expect(part({ type: 'image_url', image_url: { url: 'data:image/png,abc' } })).toThrow(/base64 data URLs/);
    expect(() => build({ tools: [{ type: 'custom', custom: {} } as never] })).toThrow(/only function tools/);
    expect(() => build({ tools: [WEATHER], tool_choice: { type: 'allowed_tools' } as never })).toThrow(/Unsupported tool_choice/);
  });

  it('reused ids resolve to the latest call; unknown ids and bad arguments are 400s', () => {
    const { body } = build({
      messages: [
        { role: 'user', content: 'a' },
        { role: 'assistant', tool_calls: [{ id: 'call_0', type: 'function', function: { name: 'one', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'call_0', content: '[1,2]' },
        { role: 'assistant', tool_calls: [{ id: 'call_0', type: 'function', function: { name: 'two', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'call_0', content: '"x"' },
      ],
    });
    expect(body.contents[2].parts[0].functionResponse).toEqual({ name: 'one', response: { content: [1, 2] } });
    expect(body.contents[4].parts[0].functionResponse).toEqual({ name: 'two', response: { content: 'x' } });
    expect(() => build({ messages: [{ role: 'user', content: 'a' }, { role: 'tool', tool_call_id: 'nope', content: 'x' }] })).toThrow(/does not answer a tool call/);
    expect(() => build({ messages: [{ role: 'assistant', tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{bad' } }] }] })).toThrow(/not valid JSON/);
  });
});

describe('request: tools and generationConfig', () => {
  it('tools become functionDeclarations with converted parameters; tool_choice becomes toolConfig', () => {
    const { body } = build({ tools: [WEATHER, { type: 'function', function: { name: 'now' } }], tool_choice: 'auto' });
    expect(body.tools).toEqual([{
      functionDeclarations: [
        { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'OBJECT', properties: { city: { type: 'STRING' } }, required: ['city'] } },
        { name: 'now' },
      ],
    }]);
    expect(body.toolConfig).toEqual({ functionCallingConfig: { mode: 'AUTO' } });
    expect(build({ tools: [WEATHER], tool_choice: 'none' }).body.toolConfig).toEqual({ functionCallingConfig: { mode: 'NONE' } });
    expect(build({ tools: [WEATHER], tool_choice: 'required' }).body.toolConfig).toEqual({ functionCallingConfig: { mode: 'ANY' } });
    expect(build({ tools: [WEATHER], tool_choice: { type: 'function', function: { name: 'get_weather' } } }).body.toolConfig)
      .toEqual({ functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_weather'] } });
    expect(build({ tool_choice: 'required' }).body.toolConfig).toBeUndefined();
    expect(build({ web_search_options: {} }).body.tools).toEqual([{ googleSearch: {} }]);
  });

  it('sampling params map to generationConfig names', () => {
    const { body } = build({
      temperature: 0.3, top_p: 0.9, top_k: 40, max_tokens: 50, max_completion_tokens: 100, n: 2, stop: 'END', seed: 7,
      presence_penalty: 0.5, frequency_penalty: 0.25, logprobs: true, top_logprobs: 3, user: 'u1', metadata: { a: 'b' }, parallel_tool_calls: true,
    });
    expect(body.generationConfig).toEqual({
      temperature: 0.3, topP: 0.9, topK: 40, maxOutputTokens: 100, candidateCount: 2, stopSequences: ['END'], seed: 7,
      presencePenalty: 0.5, frequencyPenalty: 0.25, responseLogprobs: true, logprobs: 3,
    });
    expect(build({ max_tokens: 50 }).body.generationConfig).toEqual({ maxOutputTokens: 50 });
    expect(build({ stop: ['a', 'b'] }).body.generationConfig.stopSequences).toEqual(['a', 'b']);
    expect(build({}).body.generationConfig).toBeUndefined();
    // OpenAI's null means "not set"
    expect(build({ temperature: null, stop: null, max_tokens: null, max_completion_tokens: null, n: null, seed: null, logprobs: null }).body.generationConfig).toBeUndefined();
  });

  it('params Gemini lacks: 400 naming them, or dropped with a warning under drop_params', () => {
    for (const param of ['logit_bias', 'prediction', 'functions']) {
      try {
        build({ [param]: param === 'functions' ? [{ name: 'f' }] : { x: 1 } });
        throw new Error('expected a 400');
      } catch (err) {
        expect(err).toBeInstanceOf(BadRequestError);
        expect((err as BadRequestError).param).toBe(param);
        expect((err as Error).message).toContain(`'${param}'`);
      }
    }
    const { body, ctx } = build({ logit_bias: { '1': 5 }, modalities: ['text', 'audio'], temperature: 1 }, studio({}, true));
    expect(body.generationConfig).toEqual({ temperature: 1 });
    expect(ctx.warnings).toEqual(["dropped unsupported param 'logit_bias'", "dropped unsupported param 'modalities'"]);
    expect(() => build({ modalities: ['audio'] })).toThrow(/modalities/);
    expect(build({ modalities: ['text'] }).body.generationConfig).toBeUndefined();
    expect(build({ some_vendor_flag: true }).ctx.warnings).toEqual(["ignored param 'some_vendor_flag' (unknown to Gemini)"]);
  });

  it('response_format: json_object and json_schema (translated, with the declared key order)', () => {
    expect(build({ response_format: { type: 'json_object' } }).body.generationConfig).toEqual({ responseMimeType: 'application/json' });
    expect(build({ response_format: { type: 'text' } }).body.generationConfig).toBeUndefined();
    const { body } = build({
      response_format: {
        type: 'json_schema',
        json_schema: {
          name: 'person',
          strict: true,
          schema: {
            $schema: 'https://json-schema.org/draft/2020-12/schema',
            type: 'object',
            additionalProperties: false,
            properties: { name: { type: 'string' }, age: { anyOf: [{ type: 'integer' }, { type: 'null' }] }, address: { type: 'object', properties: { zip: { type: 'string' }, city: { type: 'string' } } } },
            required: ['name', 'age'],
          },
        },
      },
    });
    expect(body.generationConfig).toEqual({
      responseMimeType: 'application/json',
      responseSchema: {
        type: 'OBJECT',
        properties: {
          name: { type: 'STRING' },
          age: { type: 'INTEGER', nullable: true },
          address: { type: 'OBJECT', properties: { zip: { type: 'STRING' }, city: { type: 'STRING' } }, propertyOrdering: ['zip', 'city'] },
        },
        required: ['name', 'age'],
        propertyOrdering: ['name', 'age', 'address'],
      },
    });
  });

  it('reasoning_effort and thinking become thinkingConfig', () => {
    const cfg = (r: Record<string, unknown>, model = 'gemini/gemini-2.5-flash') => build(r, deployment({ model, api_key: 'k-123456' })).body.generationConfig?.thinkingConfig;
    expect(cfg({ reasoning_effort: 'low' })).toEqual({ thinkingBudget: 1024, includeThoughts: true });
    expect(cfg({ reasoning_effort: 'medium' })).toEqual({ thinkingBudget: 2048, includeThoughts: true });
    expect(cfg({ reasoning_effort: 'high' })).toEqual({ thinkingBudget: 4096, includeThoughts: true });
    expect(cfg({ reasoning_effort: 'none' })).toEqual({ thinkingBudget: 0 });
    expect(cfg({ reasoning_effort: 'minimal' }, 'gemini/gemini-2.5-pro')).toEqual({ thinkingBudget: 128, includeThoughts: true });
    expect(cfg({ reasoning_effort: 'minimal' }, 'gemini/gemini-2.5-flash-lite')).toEqual({ thinkingBudget: 512, includeThoughts: true });
    expect(cfg({ thinking: { type: 'enabled', budget_tokens: 3000 } })).toEqual({ thinkingBudget: 3000, includeThoughts: true });
    expect(cfg({ thinking: { type: 'disabled' } })).toEqual({ thinkingBudget: 0 });
    expect(cfg({ reasoning_effort: 'high', include_thoughts: false })).toEqual({ thinkingBudget: 4096, includeThoughts: false });
    expect(cfg({ include_thoughts: true })).toEqual({ includeThoughts: true });
  });

  it('passes safety_settings and cached_content through', () => {
    const { body } = build({ safety_settings: [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_NONE' }], cached_content: 'cachedContents/abc' });
    expect(body.safetySettings).toEqual([{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_NONE' }]);
    expect(body.cachedContent).toBe('cachedContents/abc');
  });
});
