/**
 * A strict mock of Google's OAuth 2.0 token endpoint for service accounts (the JWT bearer grant,
 * RFC 7523, as google-auth-library's JWT client uses it): it verifies the assertion's RS256
 * signature with the service account's public key and checks grant_type, iss, aud, scope and exp,
 * answering like oauth2.googleapis.com (`{"error":"invalid_grant","error_description":...}`).
 */
import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { FaultSlot, listen, mediaType, readBody, sendJson, sendRaw, type Fault, type RecordedRequest } from './http.js';

export interface MockGoogleTokenOptions {
  /** The key file's fields; the public key is derived from private_key. */
  serviceAccount: { client_email: string; private_key: string };
  /** Scope the assertion must ask for. Default: cloud-platform. */
  scope?: string;
  /** Lifetime of issued tokens, seconds. Default 3600. */
  expiresIn?: number;
}

export interface MockGoogleTokenServer {
  url: string;
  /** The token URL (`${url}/token`): also the `aud` the assertion must carry. */
  tokenUrl: string;
  requests: RecordedRequest[];
  /** Successful token grants. */
  readonly issuedCount: number;
  /** Is this a token this server issued (and not expired)? */
  isValid(token: string): boolean;
  setNext(fault: Fault): void;
  close(): Promise<void>;
}

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const oauthError = (error: string, description: string) => ({ error, error_description: description });

function decodeSegment(s: string): Record<string, any> | undefined {
  try {
    const v = JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
    return v && typeof v === 'object' ? v : undefined;
  } catch {
    return undefined;
  }
}

export async function startMockGoogleToken(options: MockGoogleTokenOptions): Promise<MockGoogleTokenServer> {
  const publicKey: KeyObject = createPublicKey(options.serviceAccount.private_key);
  const scope = options.scope ?? 'https://www.googleapis.com/auth/cloud-platform';
  const expiresIn = options.expiresIn ?? 3600;
  const requests: RecordedRequest[] = [];
  const faults = new FaultSlot();
  const issued = new Map<string, number>();
  let tokenUrl = '';
  let count = 0;

  const listening = await listen(async (req, res) => {
    const text = (await readBody(req)).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://mock.invalid');
    const form = Object.fromEntries(new URLSearchParams(text));
    requests.push({ method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), headers: { ...req.headers }, body: form });
    const fault = faults.take();
    if (fault?.kind === 'status') return sendRaw(res, fault.status, fault.body ?? JSON.stringify(oauthError('internal_failure', 'Mock fault.')), fault.headers ?? {});
    if (req.method !== 'POST' || url.pathname !== '/token') return sendJson(res, 404, oauthError('not_found', 'Not found.'));
    if (mediaType(req.headers['content-type']) !== 'application/x-www-form-urlencoded') {
      return sendJson(res, 400, oauthError('invalid_request', 'Invalid Content-Type; expected application/x-www-form-urlencoded.'));
    }
    if (form.grant_type !== JWT_BEARER) return sendJson(res, 400, oauthError('unsupported_grant_type', `Invalid grant_type: ${form.grant_type ?? ''}`));
    const parts = (form.assertion ?? '').split('.');
    const header = parts.length === 3 ? decodeSegment(parts[0]) : undefined;
    const claims = parts.length === 3 ? decodeSegment(parts[1]) : undefined;
    if (!header || !claims) return sendJson(res, 400, oauthError('invalid_grant', 'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.'));
    if (header.alg !== 'RS256') return sendJson(res, 400, oauthError('invalid_grant', 'Invalid JWT: unsupported algorithm.'));
    const signed = verify('RSA-SHA256', Buffer.from(`${parts[0]}.${parts[1]}`), publicKey, Buffer.from(parts[2], 'base64url'));
    if (!signed) return sendJson(res, 400, oauthError('invalid_grant', 'Invalid JWT Signature.'));
    if (claims.iss !== options.serviceAccount.client_email) return sendJson(res, 400, oauthError('invalid_grant', 'Invalid grant: account not found'));
    if (claims.aud !== tokenUrl) return sendJson(res, 400, oauthError('invalid_grant', 'Invalid JWT: Failed audience check.'));
    const now = Math.floor(Date.now() / 1000);
    if (typeof claims.iat !== 'number' || typeof claims.exp !== 'number' || claims.exp <= now || claims.exp - claims.iat > 3600 || claims.iat > now + 300) {
      return sendJson(res, 400, oauthError('invalid_grant', 'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.'));
    }
    if (typeof claims.scope !== 'string' || !claims.scope.split(' ').includes(scope)) {
      return sendJson(res, 400, oauthError('invalid_scope', 'Invalid OAuth scope or ID token audience provided.'));
    }
    count++;
    const token = `ya29.mock-${createHash('sha256').update(`${count}|${claims.iat}|${Math.random()}`).digest('hex').slice(0, 40)}`;
    issued.set(token, Date.now() + expiresIn * 1000);
    sendJson(res, 200, { access_token: token, expires_in: expiresIn, token_type: 'Bearer' });
  });
  tokenUrl = `${listening.url}/token`;

  return {
    url: listening.url,
    tokenUrl,
    requests,
    get issuedCount() {
      return count;
    },
    isValid(token) {
      const until = issued.get(token);
      return until !== undefined && until > Date.now();
    },
    setNext: (fault) => faults.set(fault),
    close: listening.close,
  };
}
