import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayError, type Gateway } from '@tollgate/core';
import { MOCK_ACCESS_KEY_ID, MOCK_SECRET_ACCESS_KEY, startBedrockMock, type BedrockMockServer } from '../../testing/src/bedrock-mock.js';
import { startStsMock, type StsMockServer } from '../../testing/src/sts-mock.js';
import type { AwsCredential } from '../../testing/src/sigv4-verify.js';
import { CLAUDE, startGateway } from './helpers.js';

const ROLE = 'arn:aws:iam::123456789012:role/bedrock-invoker';
const GUARDED = 'arn:aws:iam::123456789012:role/partner-bedrock';
const BASE = { accessKeyId: MOCK_ACCESS_KEY_ID, secretAccessKey: MOCK_SECRET_ACCESS_KEY };

let sts: StsMockServer;
let bedrock: BedrockMockServer;
let g: Gateway;
/** What Bedrock accepts: only the sessions STS issues (the base keys may call STS, not Bedrock). */
const sessions: AwsCredential[] = [];

beforeAll(async () => {
  sts = await startStsMock({ credentials: [BASE], roles: { [ROLE]: {}, [GUARDED]: { externalId: 'partner-42' } }, issueTo: sessions });
  bedrock = await startBedrockMock({ credentials: sessions });
  const params = (extra: Record<string, unknown>) => ({ model: `bedrock/${CLAUDE}`, aws_bedrock_runtime_endpoint: bedrock.url, aws_region_name: 'us-east-1', aws_sts_endpoint: sts.url, aws_access_key_id: BASE.accessKeyId, aws_secret_access_key: BASE.secretAccessKey, ...extra });
  g = await startGateway([
    { model_name: 'claude', params: params({ aws_role_name: ROLE, aws_session_name: 'tollgate' }) },
    { model_name: 'partner', params: params({ aws_role_name: GUARDED, aws_session_name: 'tollgate', aws_external_id: 'partner-42' }) },
    { model_name: 'partner-no-id', params: params({ aws_role_name: GUARDED, aws_session_name: 'tollgate' }) },
    { model_name: 'unknown-role', params: params({ aws_role_name: 'arn:aws:iam::123456789012:role/nope', aws_session_name: 'tollgate' }) },
  ]);
});
afterAll(async () => {
  await g.close(1000);
  await Promise.all([bedrock.close(), sts.close()]);
});

const chat = (model = 'claude') => g.chat({ model, messages: [{ role: 'user', content: 'hello' }] });
const stsCalls = () => sts.requests.length;

describe('Bedrock with an assumed role (STS AssumeRole through the core\'s credentials cache)', () => {
  it('assumes the role once with the base keys, signs Bedrock requests with the session, and caches it', async () => {
    expect((await chat()).choices[0].message.content).toBe('echo: hello');
    expect(stsCalls()).toBe(1);
    expect(Object.fromEntries(new URLSearchParams(String(sts.requests[0].body)))).toEqual({ Action: 'AssumeRole', Version: '2011-06-15', RoleArn: ROLE, RoleSessionName: 'tollgate', DurationSeconds: '3600' });
    expect(String(sts.requests[0].headers.authorization)).toMatch(new RegExp(`^AWS4-HMAC-SHA256 Credential=${MOCK_ACCESS_KEY_ID}/\\d{8}/us-east-1/sts/aws4_request`));
    const session = sts.issued[0];
    const signed = bedrock.requests.at(-1)!;
    expect(String(signed.headers.authorization)).toMatch(new RegExp(`^AWS4-HMAC-SHA256 Credential=${session.accessKeyId}/\\d{8}/us-east-1/bedrock/aws4_request`));
    expect(signed.headers['x-amz-security-token']).toBe(session.sessionToken);
    await chat();
    expect(stsCalls()).toBe(1);
  });

  it('an expired session (ExpiredTokenException, kind auth) is dropped and the role assumed again; the client sees one answer', async () => {
    await chat();
    const before = { sts: stsCalls(), bedrock: bedrock.requests.length };
    sts.issued.at(-1)!.expired = true;
    expect((await chat()).choices[0].message.content).toBe('echo: hello');
    expect(stsCalls()).toBe(before.sts + 1);
    expect(bedrock.requests.length).toBe(before.bedrock + 2);
    expect(bedrock.requests.at(-1)!.headers['x-amz-security-token']).toBe(sts.issued.at(-1)!.sessionToken);
  });

  it('the ExternalId a trust policy requires is sent; without it, or for a role STS refuses, a 403 naming the role', async () => {
    expect((await chat('partner')).choices[0].message.content).toBe('echo: hello');
    expect(new URLSearchParams(String(sts.requests.at(-1)!.body)).get('ExternalId')).toBe('partner-42');
    for (const model of ['partner-no-id', 'unknown-role']) {
      const e = await chat(model).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(GatewayError);
      expect(e).toMatchObject({ status: 403, kind: 'permission' });
      expect((e as Error).message).toMatch(/STS AssumeRole of arn:aws:iam::123456789012:role\/.+ refused: User: .* is not authorized to perform: sts:AssumeRole/);
    }
  });

  it('an upstream echoing the session credentials never leaks them (they join the deployment\'s secrets)', async () => {
    await chat();
    const session = sts.issued.at(-1)!;
    for (const as of ['validation', 'stream'] as const) {
      bedrock.setNext({ kind: 'echo-credential', as });
      const e = await (async () => {
        if (as === 'validation') return chat().catch((x: unknown) => x);
        try { for await (const _ of await g.chat({ model: 'claude', stream: true, messages: [{ role: 'user', content: 'one two three four five six' }] })) { /* drain */ } } catch (x) { return x; }
        return null;
      })();
      const text = JSON.stringify(e) + String((e as Error).message);
      expect(text).toContain('[redacted]');
      for (const s of [session.accessKeyId, session.sessionToken!, BASE.accessKeyId]) expect(text).not.toContain(s);
    }
    // A refusal of kind auth (the echo in an UnrecognizedClientException) is retried with a fresh session instead.
    const calls = stsCalls();
    bedrock.setNext({ kind: 'echo-credential', as: 'auth' });
    expect((await chat()).choices[0].message.content).toBe('echo: hello');
    expect(stsCalls()).toBe(calls + 1);
  });

  it('profiles and web identity are refused at start-up, not ignored; a role needs base keys', async () => {
    await expect(startGateway([{ model_name: 'p', params: { model: `bedrock/${CLAUDE}`, aws_profile_name: 'prod' } }])).rejects.toThrowError(/aws_profile_name is not supported yet/);
    await expect(startGateway([{ model_name: 'w', params: { model: `bedrock/${CLAUDE}`, aws_web_identity_token: 'tok', aws_role_name: ROLE } }])).rejects.toThrowError(/aws_web_identity_token is not supported yet/);
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    try {
      await expect(startGateway([{ model_name: 'r', params: { model: `bedrock/${CLAUDE}`, aws_role_name: ROLE } }])).rejects.toThrowError(/aws_role_name needs base credentials/);
    } finally {
      if (saved.id !== undefined) process.env.AWS_ACCESS_KEY_ID = saved.id;
      if (saved.secret !== undefined) process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
    }
    await expect(startGateway([{ model_name: 'r', params: { model: `bedrock/${CLAUDE}`, aws_role_name: 'bedrock-invoker', api_key: 'ABSKx' } }])).rejects.toThrowError(/aws_role_name.*IAM role ARN/);
  });
});
