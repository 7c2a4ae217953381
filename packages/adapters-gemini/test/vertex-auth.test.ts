import { createPrivateKey, createPublicKey, verify } from 'node:crypto';
import { ApiError, AuthenticationError, CredentialsService, type Transport, type UpstreamRequest } from '@tollgate/core';
import { describe, expect, it } from 'vitest';
import { loadServiceAccount, signJwtAssertion, vertexAuthorizer } from '../src/index.js';
import { failure, serviceAccount } from './helpers.js';

/** A transport that answers token requests from a script and records them. */
function tokenTransport(answers: Array<{ status: number; body: unknown }>) {
  const sent: UpstreamRequest[] = [];
  const transport: Transport = {
    async send(req) {
      sent.push(req);
      const a = answers[Math.min(sent.length - 1, answers.length - 1)];
      const text = typeof a.body === 'string' ? a.body : JSON.stringify(a.body);
      return {
        status: a.status,
        headers: {},
        body: (async function* () { yield Buffer.from(text); })(),
        text: async () => text,
        dump: async () => {},
      };
    },
  };
  return { transport, sent };
}

const request = (): UpstreamRequest => ({ method: 'POST', url: 'https://x', headers: { 'content-type': 'application/json' } });

describe('Vertex AI service-account auth', () => {
  const sa = serviceAccount();

  it('signs an RS256 JWT with iss, scope, aud, iat and exp = iat + 3600, and the key id', () => {
    const jwt = signJwtAssertion(sa, createPrivateKey(sa.private_key), 'https://oauth2.googleapis.com/token', 'https://www.googleapis.com/auth/cloud-platform', 1_700_000_000);
    const [h, c, sig] = jwt.split('.');
    expect(JSON.parse(Buffer.from(h, 'base64url').toString())).toEqual({ alg: 'RS256', typ: 'JWT', kid: 'kid-1' });
    expect(JSON.parse(Buffer.from(c, 'base64url').toString())).toEqual({
      iss: sa.client_email,
      scope: 'https://www.googleapis.com/auth/cloud-platform',
      aud: 'https://oauth2.googleapis.com/token',
      iat: 1_700_000_000,
      exp: 1_700_003_600,
    });
    expect(verify('RSA-SHA256', Buffer.from(`${h}.${c}`), createPublicKey(sa.private_key), Buffer.from(sig, 'base64url'))).toBe(true);
  });

  it('loads credentials from an object or a JSON string and checks them', () => {
    expect(loadServiceAccount(sa).client_email).toBe(sa.client_email);
    expect(loadServiceAccount(JSON.stringify(sa)).client_email).toBe(sa.client_email);
    expect(() => loadServiceAccount('{not json')).toThrow(/not valid JSON/);
    expect(() => loadServiceAccount({ type: 'service_account', client_email: 'a@b' })).toThrow(/client_email and private_key/);
  });

  it('posts the JWT bearer grant to the token URI, caches the token until a minute before expiry', async () => {
    const { transport, sent } = tokenTransport([
      { status: 200, body: { access_token: 'tok-1', expires_in: 3600, token_type: 'Bearer' } },
      { status: 200, body: { access_token: 'tok-2', expires_in: 3600, token_type: 'Bearer' } },
    ]);
    const credentials = new CredentialsService(transport);
    const authorize = vertexAuthorizer({ ...sa, token_uri: 'https://tokens.example/token' });
    const reqs = [request(), request(), request()];
    await Promise.all(reqs.map((r) => authorize(r, credentials)));
    expect(reqs.map((r) => r.headers.authorization)).toEqual(['Bearer tok-1', 'Bearer tok-1', 'Bearer tok-1']);
    expect(reqs[0].headers['content-type']).toBe('application/json');
    expect(sent).toHaveLength(1);
    expect(sent[0].url).toBe('https://tokens.example/token');
    expect(sent[0].headers['content-type']).toBe('application/x-www-form-urlencoded');
    const form = new URLSearchParams(String(sent[0].body));
    expect(form.get('grant_type')).toBe('urn:ietf:params:oauth:grant-type:jwt-bearer');
    expect(JSON.parse(Buffer.from(form.get('assertion')!.split('.')[1], 'base64url').toString()).aud).toBe('https://tokens.example/token');

    // A token that expires within the refresh margin is fetched again.
    const { transport: t2, sent: sent2 } = tokenTransport([
      { status: 200, body: { access_token: 'short', expires_in: 30 } },
      { status: 200, body: { access_token: 'fresh', expires_in: 3600 } },
    ]);
    const c2 = new CredentialsService(t2);
    const a2 = vertexAuthorizer(sa, { tokenUrl: 'https://tokens.example/token' });
    const r1 = request();
    const r2 = request();
    await a2(r1, c2);
    await a2(r2, c2);
    expect([r1.headers.authorization, r2.headers.authorization, sent2.length]).toEqual(['Bearer short', 'Bearer fresh', 2]);
  });

  it('token endpoint failures: 4xx is an authentication error, 5xx a retryable upstream error', async () => {
    const denied = tokenTransport([{ status: 400, body: { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' } }]);
    const e = await failure(Promise.resolve(vertexAuthorizer(sa)(request(), new CredentialsService(denied.transport))));
    expect(e).toBeInstanceOf(AuthenticationError);
    expect(e.message).toContain('invalid_grant (Invalid JWT Signature.)');
    expect(e.message).not.toContain('PRIVATE KEY');
    const down = tokenTransport([{ status: 503, body: 'unavailable' }]);
    const e2 = await failure(Promise.resolve(vertexAuthorizer(sa)(request(), new CredentialsService(down.transport))));
    expect(e2).toBeInstanceOf(ApiError);
    expect(e2.retryable).toBe(true);
  });
});
