/**
 * The strict Bedrock mock refuses what Bedrock refuses: bad or missing signatures and keys, unknown
 * fields, wrong roles, broken turn order, tool blocks without toolConfig; and its SigV4 verifier agrees
 * with AWS's published test vector, independently of the signer the adapter uses.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UpstreamRequest } from '@tollgate/core';
import { signRequest, signerFor, sigv4Authorizer } from '../src/auth.js';
import { EventStreamDecoder } from '../src/eventstream.js';
import { MOCK_ACCESS_KEY_ID, MOCK_BEDROCK_API_KEY, MOCK_SECRET_ACCESS_KEY, startBedrockMock, type BedrockMockServer } from '../../testing/src/bedrock-mock.js';
import { corrupt, eventFrame, exceptionFrame } from '../../testing/src/eventstream.js';
import { verifySigV4 } from '../../testing/src/sigv4-verify.js';
import { postRaw } from '../../testing/src/http.js';
import { startStsMock, type StsMockServer } from '../../testing/src/sts-mock.js';
import { CLAUDE } from './helpers.js';

let mock: BedrockMockServer;
beforeAll(async () => {
  mock = await startBedrockMock({ credentials: [
    { accessKeyId: MOCK_ACCESS_KEY_ID, secretAccessKey: MOCK_SECRET_ACCESS_KEY },
    { accessKeyId: 'ASIAMOCKSESSION00001', secretAccessKey: 'session-secret', sessionToken: 'FwoGZXIvYXdzEMock//token' },
    { accessKeyId: 'ASIAMOCKEXPIRED00001', secretAccessKey: 'expired-secret', sessionToken: 'expired-token', expired: true },
  ] });
});
afterAll(async () => { await mock.close(); });

const converseUrl = (model = CLAUDE, op = 'converse') => `${mock.url}/model/${encodeURIComponent(model)}/${op}`;
const HELLO = { messages: [{ role: 'user', content: [{ text: 'hello' }] }] };
const bearer = (body: unknown, url = converseUrl(), key = MOCK_BEDROCK_API_KEY) => postRaw(url, body, { 'content-type': 'application/json', authorization: `Bearer ${key}` });

/** Sign like the adapter does, then send exactly `send` (defaults to what was signed). */
async function signed(body: unknown, o: { url?: string; accessKeyId?: string; secret?: string; sessionToken?: string; region?: string; tamper?: (b: string) => string } = {}) {
  const req: UpstreamRequest = { method: 'POST', url: o.url ?? converseUrl(), headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
  await sigv4Authorizer({ accessKeyId: o.accessKeyId ?? MOCK_ACCESS_KEY_ID, secretAccessKey: o.secret ?? MOCK_SECRET_ACCESS_KEY, sessionToken: o.sessionToken }, o.region ?? 'us-east-1')(req, null as never);
  const { host: _host, ...headers } = req.headers;
  const sent = o.tamper ? o.tamper(req.body as string) : (req.body as string);
  return postRaw(req.url, sent, headers);
}

function expectError(r: Awaited<ReturnType<typeof postRaw>>, status: number, type: string, message?: string | RegExp) {
  expect(r.status).toBe(status);
  expect(r.headers.get('x-amzn-errortype')?.split(':')[0]).toBe(type);
  const m = r.json.message ?? r.json.Message;
  if (typeof message === 'string') expect(m).toBe(message);
  else if (message) expect(m).toMatch(message);
}

describe('SigV4 verification (written from the AWS algorithm)', () => {
  it("accepts AWS's published get-vanilla test vector and refuses it with one changed byte", () => {
    const base = {
      method: 'GET',
      rawUrl: '/',
      headers: {
        host: 'example.amazonaws.com',
        'x-amz-date': '20150830T123600Z',
        authorization: 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
      },
      body: Buffer.alloc(0),
    };
    const o = { credentials: [{ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' }], region: 'us-east-1', service: 'service', now: () => Date.UTC(2015, 7, 30, 12, 36) };
    expect(verifySigV4(base, o)).toBeNull();
    expect(verifySigV4({ ...base, rawUrl: '/x' }, o)?.type).toBe('InvalidSignatureException');
    expect(verifySigV4(base, { ...o, now: () => Date.UTC(2015, 7, 30, 13, 0) })?.message).toMatch(/Signature expired/);
  });

  it('accepts a signed request; refuses a tampered body, an unknown key, a wrong region, a missing signature', async () => {
    expect((await signed(HELLO)).status).toBe(200);
    expectError(await signed(HELLO, { tamper: (b) => b.replace('hello', 'HELLO') }), 403, 'InvalidSignatureException', /signature we calculated does not match/);
    expectError(await signed(HELLO, { secret: 'wrong-secret' }), 403, 'InvalidSignatureException');
    expectError(await signed(HELLO, { accessKeyId: 'AKIAUNKNOWN000000000' }), 403, 'UnrecognizedClientException', 'The security token included in the request is invalid.');
    expectError(await signed(HELLO, { region: 'eu-west-1' }), 403, 'InvalidSignatureException', /valid region/);
    expectError(await postRaw(converseUrl(), HELLO, { 'content-type': 'application/json' }), 403, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
  });

  it('temporary credentials need their session token signed; expired ones get ExpiredTokenException', async () => {
    expect((await signed(HELLO, { accessKeyId: 'ASIAMOCKSESSION00001', secret: 'session-secret', sessionToken: 'FwoGZXIvYXdzEMock//token' })).status).toBe(200);
    expectError(await signed(HELLO, { accessKeyId: 'ASIAMOCKSESSION00001', secret: 'session-secret' }), 403, 'UnrecognizedClientException');
    expectError(await signed(HELLO, { accessKeyId: 'ASIAMOCKEXPIRED00001', secret: 'expired-secret', sessionToken: 'expired-token' }), 403, 'ExpiredTokenException', 'The security token included in the request is expired');
  });

  it('Bedrock API keys: the pre-defined prefix, then the key itself', async () => {
    expect((await bearer(HELLO)).status).toBe(200);
    expectError(await bearer(HELLO, converseUrl(), 'sk-not-bedrock'), 403, 'AccessDeniedException', 'Invalid API Key format: Must start with pre-defined prefix');
    expectError(await bearer(HELLO, converseUrl(), 'ABSKnot-a-real-key'), 403, 'AccessDeniedException', 'Authentication failed: Please make sure your API Key is valid.');
  });
});

describe('strict Converse validation', () => {
  const invalid = async (body: unknown, message: string | RegExp) => expectError(await bearer(body), 400, 'ValidationException', message);

  it('refuses unknown fields at any depth, and a body that names the model', async () => {
    await invalid({ ...HELLO, temperature: 0.5 }, /extraneous key \[temperature\] is not permitted/);
    await invalid({ ...HELLO, modelId: CLAUDE }, /extraneous key \[modelId\]/);
    await invalid({ ...HELLO, inferenceConfig: { max_tokens: 10 } }, /#\/inferenceConfig: extraneous key \[max_tokens\]/);
    await invalid({ messages: [{ role: 'user', content: [{ type: 'text', text: 'x' }] }] }, /extraneous key \[type\]/);
  });

  it('refuses wrong roles, a first assistant turn, and two turns of one role', async () => {
    await invalid({ messages: [{ role: 'system', content: [{ text: 'x' }] }] }, /Member must satisfy enum value set: \[user, assistant\]/);
    await invalid({ messages: [{ role: 'assistant', content: [{ text: 'x' }] }] }, 'A conversation must start with a user message. Try again with a conversation that starts with a user message.');
    await invalid({ messages: [{ role: 'user', content: [{ text: 'a' }] }, { role: 'user', content: [{ text: 'b' }] }] }, /must alternate between user and assistant roles/);
    await invalid({ messages: [{ role: 'user', content: [{ text: '  ' }] }] }, /is blank/);
  });

  it('refuses tool blocks without toolConfig, and tool results that do not answer the previous turn', async () => {
    const use = { role: 'assistant', content: [{ toolUse: { toolUseId: 'tooluse_1', name: 'get_weather', input: {} } }] };
    const toolConfig = { tools: [{ toolSpec: { name: 'get_weather', inputSchema: { json: { type: 'object' } } } }] };
    const result = (id: string) => ({ role: 'user', content: [{ toolResult: { toolUseId: id, content: [{ text: 'sunny' }] } }] });
    await invalid({ messages: [HELLO.messages[0], use, result('tooluse_1')] }, 'The toolConfig field must be defined when using toolUse and toolResult content blocks.');
    await invalid({ messages: [HELLO.messages[0], use, result('tooluse_2')], toolConfig }, 'Expected toolResult blocks at messages.2.content for the following Ids: tooluse_1');
    expect((await bearer({ messages: [HELLO.messages[0], use, result('tooluse_1')], toolConfig })).json.output.message.content).toEqual([{ text: 'tool said: sunny' }]);
    await invalid({ ...HELLO, toolConfig: { tools: [{ toolSpec: { name: 'x', inputSchema: { json: { type: 'string' } } } }] } }, /must be object/);
    await invalid({ ...HELLO, toolConfig: { ...toolConfig, toolChoice: { tool: { name: 'nope' } } } }, /not found in toolConfig.tools/);
  });

  it("checks Claude's thinking fields the way Claude does", async () => {
    const thinking = (budget: number, extra: object = {}) => ({ ...HELLO, inferenceConfig: { maxTokens: 2000, ...extra }, additionalModelRequestFields: { thinking: { type: 'enabled', budget_tokens: budget } } });
    await invalid(thinking(500), /budget_tokens: Input should be greater than or equal to 1024/);
    await invalid(thinking(4000), /`max_tokens` must be greater than `thinking.budget_tokens`/);
    await invalid(thinking(1024, { temperature: 0.2 }), /`temperature` may only be set to 1/);
    await invalid({ ...HELLO, additionalModelRequestFields: { nonsense: 1 } }, 'The model returned the following errors: nonsense: Extra inputs are not permitted');
  });

  it('checks images, documents and cache points', async () => {
    const user = (block: object) => ({ messages: [{ role: 'user', content: [{ text: 'look' }, block] }] });
    await invalid(user({ image: { format: 'bmp', source: { bytes: 'AAAA' } } }), /bmp is not a valid enum value/);
    await invalid(user({ image: { format: 'png', source: { url: 'https://x' } } }), /extraneous key \[url\]/);
    await invalid(user({ document: { format: 'pdf', name: 'report.v2', source: { bytes: 'AAAA' } } }), /document file name can only contain/);
    await invalid(user({ cachePoint: { type: 'ephemeral' } }), /ephemeral is not a valid enum value/);
    expect((await bearer(user({ document: { format: 'pdf', name: 'report v2', source: { bytes: 'JVBERi0=' } } }))).status).toBe(200);
  });

  it('model ids: URL-encoded in the path, well-formed', async () => {
    const arn = 'arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0';
    expect((await bearer(HELLO, converseUrl(arn))).status).toBe(200);
    expectError(await bearer(HELLO, `${mock.url}/model/${arn}/converse`), 404, 'UnknownOperationException');
    expectError(await bearer(HELLO, converseUrl('not a model')), 400, 'ValidationException', 'The provided model identifier is invalid.');
  });
});

describe('event-stream frames', () => {
  it('ConverseStream sends real frames: CRCs check out, event types in headers', async () => {
    const res = await fetch(converseUrl(CLAUDE, 'converse-stream'), { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${MOCK_BEDROCK_API_KEY}` }, body: JSON.stringify(HELLO) });
    expect(res.headers.get('content-type')).toBe('application/vnd.amazon.eventstream');
    const events = new EventStreamDecoder().push(new Uint8Array(await res.arrayBuffer()));
    expect(events.map((e) => e.event)).toEqual(['messageStart', 'contentBlockDelta', 'contentBlockStop', 'messageStop', 'metadata']);
    expect(events.every((e) => e.headers?.[':message-type'] === 'event' && e.headers?.[':content-type'] === 'application/json')).toBe(true);
    expect(JSON.parse(events[4].data)).toMatchObject({ usage: { inputTokens: 2, outputTokens: 3 }, metrics: { latencyMs: expect.any(Number) } });
  });

  it('a frame with a flipped byte fails its CRC; an exception frame carries its type', () => {
    const frame = eventFrame('messageStart', { role: 'assistant' });
    expect(() => new EventStreamDecoder().push(corrupt(frame))).toThrowError(/checksum/);
    const [ex] = new EventStreamDecoder().push(exceptionFrame('throttlingException', 'slow down'));
    expect(ex.headers).toMatchObject({ ':message-type': 'exception', ':exception-type': 'throttlingException' });
    expect(JSON.parse(ex.data)).toEqual({ message: 'slow down' });
  });
});

describe('InvokeModel and Rerank bodies', () => {
  const invoke = (model: string, body: unknown) => bearer(body, `${mock.url}/model/${encodeURIComponent(model)}/invoke`);

  it('Titan v1 takes inputText only; v2 checks dimensions; Cohere needs input_type', async () => {
    expectError(await invoke('amazon.titan-embed-text-v1', { inputText: 'x', dimensions: 256 }), 400, 'ValidationException', /extraneous key \[dimensions\]/);
    expectError(await invoke('amazon.titan-embed-text-v2:0', { inputText: 'x', dimensions: 300 }), 400, 'ValidationException', /300 is not a valid enum value/);
    expectError(await invoke('cohere.embed-english-v3', { texts: ['x'] }), 400, 'ValidationException', /input_type/);
    const ok = await invoke('amazon.titan-embed-text-v2:0', { inputText: 'hello world', dimensions: 256 });
    expect(ok.json.embedding).toHaveLength(256);
    expect(ok.headers.get('x-amzn-bedrock-input-token-count')).toBe(String(ok.json.inputTextTokenCount));
  });

  it('Rerank wants a foundation-model ARN in its region', async () => {
    const body = (modelArn: string) => ({
      queries: [{ type: 'TEXT', textQuery: { text: 'capital of France' } }],
      sources: [{ type: 'INLINE', inlineDocumentSource: { type: 'TEXT', textDocument: { text: 'Paris is the capital of France' } } }],
      rerankingConfiguration: { type: 'BEDROCK_RERANKING_MODEL', bedrockRerankingConfiguration: { modelConfiguration: { modelArn } } },
    });
    expectError(await bearer(body('cohere.rerank-v3-5:0'), `${mock.url}/rerank`), 400, 'ValidationException', /model identifier is invalid/);
    const ok = await bearer(body('arn:aws:bedrock:us-east-1::foundation-model/cohere.rerank-v3-5:0'), `${mock.url}/rerank`);
    expect(ok.json.results[0]).toMatchObject({ index: 0, relevanceScore: expect.any(Number) });
  });
});

describe('the STS mock refuses what STS refuses', () => {
  const ROLE = 'arn:aws:iam::123456789012:role/r';
  let sts: StsMockServer;
  beforeAll(async () => { sts = await startStsMock({ credentials: [{ accessKeyId: MOCK_ACCESS_KEY_ID, secretAccessKey: MOCK_SECRET_ACCESS_KEY }], roles: { [ROLE]: {} }, issueTo: [] }); });
  afterAll(async () => { await sts.close(); });

  async function assume(form: Record<string, string>, o: { secret?: string; service?: string; contentType?: string } = {}) {
    const req: UpstreamRequest = { method: 'POST', url: `${sts.url}/`, headers: { 'content-type': o.contentType ?? 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() };
    await signRequest(signerFor({ accessKeyId: MOCK_ACCESS_KEY_ID, secretAccessKey: o.secret ?? MOCK_SECRET_ACCESS_KEY }, 'us-east-1', o.service ?? 'sts'), req);
    const { host: _host, ...headers } = req.headers;
    const res = await fetch(req.url, { method: 'POST', headers, body: req.body as string });
    const xml = await res.text();
    return { status: res.status, code: /<Code>([^<]*)<\/Code>/.exec(xml)?.[1], xml };
  }
  const ok = { Action: 'AssumeRole', Version: '2011-06-15', RoleArn: ROLE, RoleSessionName: 's1' };

  it('signatures for another secret or service, other content types, bad params and unknown roles; answers in XML', async () => {
    expect(await assume(ok, { secret: 'wrong' })).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
    expect(await assume(ok, { service: 'bedrock' })).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
    expect(await assume(ok, { contentType: 'application/json' })).toMatchObject({ status: 400 });
    expect(await assume({ ...ok, Version: '2020-01-01' })).toMatchObject({ status: 400, code: 'InvalidAction' });
    expect(await assume({ ...ok, RoleSessionName: 'has space' })).toMatchObject({ status: 400, code: 'ValidationError' });
    expect(await assume({ ...ok, DurationSeconds: '60' })).toMatchObject({ status: 400, code: 'ValidationError' });
    expect(await assume({ ...ok, RoleArn: 'arn:aws:iam::123456789012:role/other' })).toMatchObject({ status: 403, code: 'AccessDenied' });
    const granted = await assume(ok);
    expect(granted.status).toBe(200);
    expect(granted.xml).toMatch(/<AssumeRoleResponse xmlns="https:\/\/sts\.amazonaws\.com\/doc\/2011-06-15\/"><AssumeRoleResult>.*<Credentials><AccessKeyId>ASIA[0-9A-F]{16}<\/AccessKeyId><SecretAccessKey>[^<]+<\/SecretAccessKey><SessionToken>[^<]+<\/SessionToken><Expiration>\d{4}-\d\d-\d\dT[\d:.]+Z<\/Expiration><\/Credentials>/);
  });
});
