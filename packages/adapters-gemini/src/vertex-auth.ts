import { createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ApiError, AuthenticationError, ConfigError, type PreparedDeployment } from '@tollgate/core';

export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/** The fields of a service-account key file that the token exchange needs. */
export interface ServiceAccount {
  type?: string;
  project_id?: string;
  private_key_id?: string;
  private_key: string;
  client_email: string;
  token_uri?: string;
}

/**
 * `vertex_credentials`: the key file's JSON (a string or an already parsed object) or a path to
 * it; without it, the file named by GOOGLE_APPLICATION_CREDENTIALS. Read once, at start-up.
 */
export function loadServiceAccount(value: unknown, env: NodeJS.ProcessEnv = process.env): ServiceAccount {
  let source = value ?? env.GOOGLE_APPLICATION_CREDENTIALS;
  if (source === undefined || source === '') {
    throw new ConfigError('Vertex AI needs credentials: set params.vertex_credentials (a service-account JSON or the path to its file) or GOOGLE_APPLICATION_CREDENTIALS.');
  }
  let parsed: unknown = source;
  if (typeof source === 'string') {
    const s = source.trim();
    if (!s.startsWith('{')) {
      try {
        source = readFileSync(s, 'utf8');
      } catch {
        throw new ConfigError(`Cannot read the Vertex AI credentials file ${JSON.stringify(s)}.`);
      }
    }
    try {
      parsed = JSON.parse(source as string);
    } catch {
      throw new ConfigError('Vertex AI credentials are not valid JSON.');
    }
  }
  const sa = parsed as Partial<ServiceAccount>;
  if (!sa || typeof sa !== 'object') throw new ConfigError('Vertex AI credentials must be a JSON object.');
  if (sa.type !== undefined && sa.type !== 'service_account') {
    throw new ConfigError(`Vertex AI credentials of type "${sa.type}" are not supported: use a service-account key (type "service_account").`);
  }
  if (typeof sa.client_email !== 'string' || typeof sa.private_key !== 'string') {
    throw new ConfigError('Vertex AI credentials need client_email and private_key (a service-account key file).');
  }
  return sa as ServiceAccount;
}

const b64url = (b: Buffer | string): string => Buffer.from(b).toString('base64url');

/** An RS256-signed JWT asserting the service account, for the OAuth 2.0 JWT bearer grant (RFC 7523). */
export function signJwtAssertion(sa: ServiceAccount, key: KeyObject, audience: string, scope: string, nowSeconds = Math.floor(Date.now() / 1000)): string {
  const header: Record<string, string> = { alg: 'RS256', typ: 'JWT' };
  if (sa.private_key_id) header.kid = sa.private_key_id;
  const claims = { iss: sa.client_email, scope, aud: audience, iat: nowSeconds, exp: nowSeconds + 3600 };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  return `${input}.${b64url(sign('RSA-SHA256', Buffer.from(input), key))}`;
}

export interface VertexAuthOptions {
  /** Token endpoint; default: the key file's token_uri, else https://oauth2.googleapis.com/token. */
  tokenUrl?: string;
  scope?: string;
}

/**
 * `authorize` for Vertex AI: exchanges a signed JWT for an access token at Google's token endpoint,
 * through the core's credentials service (one fetch for concurrent callers, cached until a minute
 * before `expires_in` runs out), and sets `Authorization: Bearer <token>`.
 */
export function vertexAuthorizer(sa: ServiceAccount, o: VertexAuthOptions = {}): NonNullable<PreparedDeployment['authorize']> {
  let key: KeyObject;
  try {
    key = createPrivateKey(sa.private_key);
  } catch {
    throw new ConfigError(`The private_key of Vertex AI service account ${sa.client_email} cannot be read.`);
  }
  const tokenUrl = o.tokenUrl ?? sa.token_uri ?? GOOGLE_TOKEN_URL;
  const scope = o.scope ?? CLOUD_PLATFORM_SCOPE;
  const cacheKey = `vertex:${sa.client_email}:${tokenUrl}:${scope}`;
  return async (request, credentials) => {
    const token = await credentials.get(cacheKey, async (transport) => {
      const form = new URLSearchParams({ grant_type: JWT_BEARER, assertion: signJwtAssertion(sa, key, tokenUrl, scope) }).toString();
      const res = await transport.send(
        { method: 'POST', url: tokenUrl, headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body: form },
        { signal: AbortSignal.timeout(15_000) },
      );
      const text = await res.text();
      if (res.status >= 500) throw new ApiError(`Could not get a Google access token for Vertex AI (HTTP ${res.status}).`, { status: 502, kind: 'connection' });
      if (res.status !== 200) {
        let why = '';
        try {
          const b = JSON.parse(text) as { error?: unknown; error_description?: unknown };
          if (typeof b.error === 'string') why = `: ${b.error}${typeof b.error_description === 'string' ? ` (${b.error_description})` : ''}`;
        } catch {
          // keep the bare status
        }
        throw new AuthenticationError(`Google rejected the Vertex AI service account ${sa.client_email} (HTTP ${res.status})${why}.`);
      }
      let body: { access_token?: string; expires_in?: number | string };
      try {
        body = JSON.parse(text) as typeof body;
      } catch {
        throw new ApiError('Google token endpoint returned a malformed response.', { status: 502 });
      }
      if (!body.access_token) throw new AuthenticationError('Google token response had no access_token.');
      return { value: body.access_token, expiresAt: Date.now() + Number(body.expires_in ?? 3600) * 1000 };
    });
    request.headers = { ...request.headers, authorization: `Bearer ${token}` };
  };
}
