import { createPrivateKey } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockGemini, type MockGeminiServer } from '../../testing/src/gemini-mock.js';
import { startMockGoogleToken, type MockGoogleTokenServer } from '../../testing/src/google-token-mock.js';
import { parseSse } from '../../testing/src/sse.js';
import { postRaw } from '../../testing/src/http.js';
import { signJwtAssertion } from '../src/index.js';
import { serviceAccount } from './helpers.js';

/** The mocks must refuse what Google refuses, or tests against them prove nothing. */
describe('strict Gemini mock (AI Studio)', () => {
  let mock: MockGeminiServer;
  const KEY = 'mock-key';
  beforeAll(async () => {
    mock = await startMockGemini({ apiKey: KEY, models: ['gemini-2.5-flash', 'gemini-3-pro-preview'] });
  });
  afterAll(() => mock.close());

  const post = async (path: string, body: unknown, headers: Record<string, string> = { 'x-goog-api-key': KEY }) => {
    const r = await postRaw(mock.url + path, body, { 'content-type': 'application/json', ...headers });
    return { ...r, type: r.headers.get('content-type') };
  };
  const gen = (body: unknown, model = 'gemini-2.5-flash') => post(`/v1beta/models/${model}:generateContent`, body);
  const user = (text: string) => ({ role: 'user', parts: [{ text }] });
  const error400 = (r: { status: number; json: any }) => {
    expect(r.status).toBe(400);
    expect(r.json.error.status).toBe('INVALID_ARGUMENT');
    return r.json.error.message as string;
  };

  it('auth: no key is 403 PERMISSION_DENIED, a wrong key 400 API_KEY_INVALID; ?key= works', async () => {
    const none = await post('/v1beta/models/gemini-2.5-flash:generateContent', { contents: [user('x')] }, {});
    expect([none.status, none.json.error.status]).toEqual([403, 'PERMISSION_DENIED']);
    const wrong = await post('/v1beta/models/gemini-2.5-flash:generateContent', { contents: [user('x')] }, { 'x-goog-api-key': 'nope' });
    expect(wrong.status).toBe(400);
    expect(wrong.json.error.details[0].reason).toBe('API_KEY_INVALID');
    const query = await post(`/v1beta/models/gemini-2.5-flash:generateContent?key=${KEY}`, { contents: [user('x')] }, {});
    expect(query.status).toBe(200);
  });

  it('paths: unknown paths are 404 HTML, unknown models 404 NOT_FOUND', async () => {
    const bad = await post('/v1beta/chat/completions', {});
    expect([bad.status, bad.type]).toEqual([404, 'text/html; charset=UTF-8']);
    const model = await gen({ contents: [user('x')] }, 'gemini-0');
    expect([model.status, model.json.error.status]).toEqual([404, 'NOT_FOUND']);
  });

  it('contents: required, roles user/model only, parts non-empty with exactly one data field', async () => {
    expect(error400(await gen({}))).toContain('contents is not specified');
    expect(error400(await gen({ contents: [] }))).toContain('contents is not specified');
    expect(error400(await gen({ contents: [{ role: 'system', parts: [{ text: 'x' }] }] }))).toBe('Please use a valid role: user, model.');
    expect(error400(await gen({ contents: [{ role: 'assistant', parts: [{ text: 'x' }] }] }))).toBe('Please use a valid role: user, model.');
    expect(error400(await gen({ contents: [{ role: 'user', parts: [] }] }))).toContain('contents.parts must not be empty');
    expect(error400(await gen({ contents: [{ role: 'user', parts: [{ text: '' }] }] }))).toContain("required oneof field 'data' must have one initialized field");
    expect(error400(await gen({ contents: [{ role: 'user', parts: [{ text: 'a', inlineData: { mimeType: 'image/png', data: 'AA==' } }] }] }))).toContain("Oneof field 'data' is already set");
    // AI Studio fills in a missing role
    expect((await gen({ contents: [{ parts: [{ text: 'x' }] }] })).status).toBe(200);
  });

  it('unknown fields anywhere are refused the way Google does', async () => {
    expect(error400(await gen({ contents: [user('x')], messages: [] }))).toBe('Invalid JSON payload received. Unknown name "messages": Cannot find field.');
    expect(error400(await gen({ contents: [user('x')], generationConfig: { max_tokens: 5 } }))).toBe('Invalid JSON payload received. Unknown name "max_tokens" at \'generation_config\': Cannot find field.');
    expect(error400(await gen({ contents: [{ role: 'user', parts: [{ text: 'x', cache_control: {} }] }] }))).toContain('Unknown name "cache_control"');
    // snake_case proto names are accepted like camelCase
    expect((await gen({ contents: [user('x')], generation_config: { max_output_tokens: 50 }, system_instruction: { parts: [{ text: 's' }] } })).status).toBe(200);
  });

  it('schemas: additionalProperties, $schema, $ref are refused; enums need STRING; OBJECT parameters need properties', async () => {
    const withSchema = (schema: unknown) => gen({ contents: [user('x')], generationConfig: { responseMimeType: 'application/json', responseSchema: schema } });
    expect(error400(await withSchema({ type: 'object', properties: { a: { type: 'string' } }, additionalProperties: false })))
      .toBe('Invalid JSON payload received. Unknown name "additionalProperties" at \'generation_config.response_schema\': Cannot find field.');
    expect(error400(await withSchema({ $schema: 'x', type: 'OBJECT' }))).toContain('Unknown name "$schema"');
    expect(error400(await withSchema({ type: 'OBJECT', properties: { a: { $ref: '#/$defs/A' } } }))).toContain("at 'generation_config.response_schema.properties[0].value'");
    expect(error400(await withSchema({ type: 'INTEGER', enum: [1, 2] }))).toContain('(TYPE_STRING), 1');
    expect(error400(await withSchema({ type: 'tuple' }))).toContain('google.ai.generativelanguage.v1beta.Type');
    expect(error400(await gen({ contents: [user('x')], generationConfig: { responseSchema: { type: 'STRING' } } }))).toContain('response_mime_type');
    const tool = (parameters: unknown) => gen({ contents: [user('x')], tools: [{ functionDeclarations: [{ name: 'f', parameters }] }] });
    expect(error400(await tool({ type: 'OBJECT', properties: {} }))).toContain('should be non-empty for OBJECT type');
    expect(error400(await tool({ type: 'object', properties: { a: { type: 'string' } }, additionalProperties: false }))).toContain("at 'tools[0].function_declarations[0].parameters'");
    expect((await tool({ type: 'object', properties: { a: { type: 'string' } } })).status).toBe(200);
  });

  it('function turns: a response must follow the call turn, one per call, same names', async () => {
    const call = { role: 'model', parts: [{ functionCall: { name: 'f', args: {} } }] };
    const resp = (name: string) => ({ functionResponse: { name, response: { ok: true } } });
    expect(error400(await gen({ contents: [user('x'), { role: 'user', parts: [resp('f')] }] }))).toBe('Please ensure that function response turn comes immediately after a function call turn.');
    expect(error400(await gen({ contents: [user('x'), call, { role: 'user', parts: [resp('f'), resp('f')] }] }))).toContain('number of function response parts is equal');
    expect(error400(await gen({ contents: [user('x'), call, { role: 'user', parts: [resp('g')] }] }))).toContain('match the function call names');
    expect(error400(await gen({ contents: [call, { role: 'user', parts: [resp('f')] }] }))).toContain('function call turn comes immediately after a user turn');
    expect(error400(await gen({ contents: [user('x'), call, { role: 'user', parts: [{ functionResponse: { name: 'f', response: 'text' } }] }] }))).toContain('google.protobuf.Struct');
    expect((await gen({ contents: [user('x'), call, { role: 'user', parts: [resp('f')] }] })).status).toBe(200);
  });

  it('Gemini 3 wants the thought signature back on the current turn\'s function call', async () => {
    const contents = (sig?: string) => [user('x'), { role: 'model', parts: [{ functionCall: { name: 'f', args: {} }, ...(sig ? { thoughtSignature: sig } : {}) }] }, { role: 'user', parts: [{ functionResponse: { name: 'f', response: {} } }] }];
    expect(error400(await gen({ contents: contents() }, 'gemini-3-pro-preview'))).toContain('missing a thought_signature');
    expect((await gen({ contents: contents('c2ln') }, 'gemini-3-pro-preview')).status).toBe(200);
  });

  it('generationConfig values are checked', async () => {
    expect(error400(await gen({ contents: [user('x')], generationConfig: { temperature: 3 } }))).toContain('temperature');
    expect(error400(await gen({ contents: [user('x')], generationConfig: { stopSequences: ['1', '2', '3', '4', '5', '6'] } }))).toContain('stop_sequences');
    expect(error400(await gen({ contents: [user('x')], generationConfig: { logprobs: 2 } }))).toContain('response_logprobs');
    expect(error400(await gen({ contents: [user('x')], generationConfig: { maxOutputTokens: 'lots' } }))).toContain('(TYPE_INT32)');
    expect(error400(await gen({ contents: [user('x')], tools: [{ functionDeclarations: [{ name: 'f' }] }], toolConfig: { functionCallingConfig: { mode: 'AUTO', allowedFunctionNames: ['f'] } } }))).toContain('only be set when mode is ANY');
  });

  it('answers: SSE with alt=sse, a JSON array without it', async () => {
    const body = { contents: [user('one two three four five')] };
    const sse = await post('/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse', body);
    expect(sse.type).toBe('text/event-stream');
    expect(sse.text).toContain('\r\n\r\n');
    const events = parseSse(sse.text);
    expect(events.length).toBeGreaterThan(2);
    expect(events.at(-1).candidates[0].finishReason).toBe('STOP');
    const array = await post('/v1beta/models/gemini-2.5-flash:streamGenerateContent', body);
    expect(array.type).toContain('application/json');
    expect(Array.isArray(array.json)).toBe(true);
    expect(array.json.map((e: any) => e.candidates[0].content?.parts?.[0]?.text ?? '').join('')).toBe('echo: one two three four five');
  });

  it('answers: logprobs, thoughts with usage, a function call for "call tool"', async () => {
    const lp = await gen({ contents: [user('a b')], generationConfig: { responseLogprobs: true, logprobs: 2 } });
    expect(lp.json.candidates[0].logprobsResult.chosenCandidates.length).toBeGreaterThan(0);
    expect(lp.json.candidates[0].logprobsResult.topCandidates[0].candidates).toHaveLength(2);
    const th = await gen({ contents: [user('q')], generationConfig: { thinkingConfig: { thinkingBudget: 1024, includeThoughts: true } } });
    expect(th.json.candidates[0].content.parts[0]).toEqual({ text: 'Thinking about: q', thought: true });
    expect(th.json.usageMetadata.thoughtsTokenCount).toBeGreaterThan(0);
    const fc = await gen({ contents: [user('call tool now')], tools: [{ functionDeclarations: [{ name: 'f', parameters: { type: 'OBJECT', properties: { n: { type: 'INTEGER' } } } }] }] });
    expect(fc.json.candidates[0].content.parts[0].functionCall).toEqual({ name: 'f', args: { n: 1 } });
  });

  it('embeddings: embedContent and batchEmbedContents (each request names the batch model)', async () => {
    const one = await post('/v1beta/models/gemini-2.5-flash:embedContent', { content: { parts: [{ text: 'x' }] }, outputDimensionality: 3 });
    expect(one.json.embedding.values).toHaveLength(3);
    const wrongModel = await post('/v1beta/models/gemini-2.5-flash:batchEmbedContents', { requests: [{ model: 'models/other', content: { parts: [{ text: 'x' }] } }] });
    expect(error400(wrongModel)).toContain('model of each request');
    expect(error400(await post('/v1beta/models/gemini-2.5-flash:embedContent', { content: { parts: [{ text: 'x' }] }, taskType: 'search' }))).toContain('TaskType');
  });
});

describe('strict Google token mock and Vertex flavor', () => {
  let token: MockGoogleTokenServer;
  let vertex: MockGeminiServer;
  const sa = serviceAccount();
  const key = createPrivateKey(sa.private_key);
  beforeAll(async () => {
    token = await startMockGoogleToken({ serviceAccount: sa, expiresIn: 1800 });
    vertex = await startMockGemini({ flavor: 'vertex', accessToken: token, project: 'p', location: 'us-central1' });
  });
  afterAll(async () => {
    await vertex.close();
    await token.close();
  });

  const grant = (assertion: string, grantType = 'urn:ietf:params:oauth:grant-type:jwt-bearer') =>
    fetch(token.tokenUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: grantType, assertion }).toString() })
      .then(async (r) => ({ status: r.status, json: (await r.json()) as any }));
  const scope = 'https://www.googleapis.com/auth/cloud-platform';

  it('issues a token for a correctly signed assertion', async () => {
    const r = await grant(signJwtAssertion(sa, key, token.tokenUrl, scope));
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ token_type: 'Bearer', expires_in: 1800 });
    expect(token.isValid(r.json.access_token)).toBe(true);
  });

  it('refuses a bad signature, audience, scope, grant type or expired assertion', async () => {
    const other = createPrivateKey(serviceAccount().private_key);
    expect((await grant(signJwtAssertion(sa, other, token.tokenUrl, scope))).json).toEqual({ error: 'invalid_grant', error_description: 'Invalid JWT Signature.' });
    expect((await grant(signJwtAssertion(sa, key, 'https://oauth2.googleapis.com/token', scope))).json.error_description).toContain('audience');
    expect((await grant(signJwtAssertion(sa, key, token.tokenUrl, 'https://www.googleapis.com/auth/drive'))).json.error).toBe('invalid_scope');
    expect((await grant(signJwtAssertion(sa, key, token.tokenUrl, scope), 'client_credentials')).json.error).toBe('unsupported_grant_type');
    expect((await grant(signJwtAssertion(sa, key, token.tokenUrl, scope, Math.floor(Date.now() / 1000) - 7200))).json.error).toBe('invalid_grant');
    expect((await grant(signJwtAssertion({ ...sa, client_email: 'someone@else' }, key, token.tokenUrl, scope))).json.error).toBe('invalid_grant');
  });

  it('Vertex wants a bearer token the token server issued, the right project, and an explicit role', async () => {
    const path = '/v1/projects/p/locations/us-central1/publishers/google/models/gemini-2.5-flash:generateContent';
    const call = (headers: Record<string, string>, body: unknown, p = path) =>
      fetch(vertex.url + p, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) }).then(async (r) => ({ status: r.status, json: (await r.json()) as any }));
    const ok = { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] };
    expect((await call({}, ok)).json.error.status).toBe('UNAUTHENTICATED');
    expect((await call({ authorization: 'Bearer forged' }, ok)).status).toBe(401);
    const t = (await grant(signJwtAssertion(sa, key, token.tokenUrl, scope))).json.access_token;
    const auth = { authorization: `Bearer ${t}` };
    expect((await call(auth, ok)).status).toBe(200);
    expect((await call(auth, { contents: [{ parts: [{ text: 'hi' }] }] })).json.error.message).toBe('Please use a valid role: user, model.');
    expect((await call(auth, ok, path.replace('/projects/p/', '/projects/q/'))).status).toBe(403);
    expect((await call(auth, { contents: [{ role: 'user', parts: [{ fileData: { fileUri: 'gs://b/x' } }] }] })).status).toBe(400);
  });
});
