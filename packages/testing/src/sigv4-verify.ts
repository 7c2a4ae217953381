/**
 * Verifies an AWS Signature Version 4 `Authorization` header the way an AWS service does, written
 * from the documented algorithm with node:crypto only (never with the signer under test):
 * docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html and
 * docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-signing-elements.html.
 *
 *   CanonicalRequest = Method \n CanonicalURI \n CanonicalQuery \n CanonicalHeaders \n SignedHeaders \n hex(SHA256(body))
 *   StringToSign     = "AWS4-HMAC-SHA256" \n X-Amz-Date \n <date>/<region>/<service>/aws4_request \n hex(SHA256(CanonicalRequest))
 *   SigningKey       = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")
 *   Signature        = hex(HMAC(SigningKey, StringToSign))
 *
 * Every service but S3 URI-encodes each path segment twice: once in the request line, once more in
 * the canonical URI.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export interface AwsCredential {
  accessKeyId: string;
  secretAccessKey: string;
  /** Temporary credentials carry a session token the request must present in X-Amz-Security-Token. */
  sessionToken?: string;
  /** Answer ExpiredTokenException for this credential (an expired STS session). */
  expired?: boolean;
}

export interface SignedRequestView {
  method: string;
  /** The request target as received: percent-encoded path and query. */
  rawUrl: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** Why a request was refused, as the AWS error type and message an AWS service answers with. */
export interface SigV4Failure {
  type: 'MissingAuthenticationTokenException' | 'IncompleteSignatureException' | 'UnrecognizedClientException' | 'InvalidSignatureException' | 'ExpiredTokenException';
  message: string;
  /** The access key the request named (for the mock's echo-the-credential fault). */
  accessKeyId?: string;
}

export interface SigV4Options {
  credentials: readonly AwsCredential[];
  region: string;
  service: string;
  /** Allowed clock skew, ms. AWS allows 5 minutes. */
  maxSkewMs?: number;
  now?: () => number;
}

/** RFC 3986 encoding as SigV4 wants it: everything but A-Z a-z 0-9 - _ . ~ is %XX (upper case). */
export function awsUriEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

const sha256Hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest();

function header(h: SignedRequestView['headers'], name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v.join(',') : v;
}

function canonicalUri(rawPath: string): string {
  // The path as received is already encoded once; each segment is encoded again.
  return rawPath.split('/').map((seg) => awsUriEncode(seg)).join('/') || '/';
}

function canonicalQuery(rawQuery: string): string {
  if (!rawQuery) return '';
  const pairs = rawQuery.split('&').filter(Boolean).map((p) => {
    const eq = p.indexOf('=');
    const k = decodeURIComponent(eq === -1 ? p : p.slice(0, eq));
    const v = eq === -1 ? '' : decodeURIComponent(p.slice(eq + 1));
    return [awsUriEncode(k), awsUriEncode(v)] as const;
  });
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

/** Build the canonical request for a signed-headers list (exported for tests of the verifier itself). */
export function canonicalRequest(req: SignedRequestView, signedHeaders: readonly string[]): string {
  const q = req.rawUrl.indexOf('?');
  const path = q === -1 ? req.rawUrl : req.rawUrl.slice(0, q);
  const query = q === -1 ? '' : req.rawUrl.slice(q + 1);
  const headers = signedHeaders.map((name) => `${name}:${(header(req.headers, name) ?? '').trim().replace(/\s+/g, ' ')}\n`).join('');
  return [req.method, canonicalUri(path), canonicalQuery(query), headers, signedHeaders.join(';'), sha256Hex(req.body)].join('\n');
}

export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
}

const AUTH = /^AWS4-HMAC-SHA256 Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$/;
const AMZ_DATE = /^(\d{8})T(\d{2})(\d{2})(\d{2})Z$/;

/** Verify a SigV4-signed request. Returns null when the signature holds, else what AWS would answer. */
export function verifySigV4(req: SignedRequestView, o: SigV4Options): SigV4Failure | null {
  const auth = header(req.headers, 'authorization');
  if (!auth) return { type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' };
  const m = AUTH.exec(auth.trim());
  if (!m) {
    return { type: 'IncompleteSignatureException', message: `Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters. Authorization=${auth.split(' ')[0]}` };
  }
  const [, credential, signedList, signature] = m;
  const scope = credential.split('/');
  if (scope.length !== 5 || scope[4] !== 'aws4_request') {
    return { type: 'IncompleteSignatureException', message: `Credential should be scoped to a valid region. ` };
  }
  const [accessKeyId, date, region, service] = scope;
  const cred = o.credentials.find((c) => c.accessKeyId === accessKeyId);
  if (!cred) return { type: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.', accessKeyId };
  const token = header(req.headers, 'x-amz-security-token');
  if ((cred.sessionToken ?? undefined) !== token) return { type: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.', accessKeyId };
  if (cred.expired) return { type: 'ExpiredTokenException', message: 'The security token included in the request is expired', accessKeyId };
  if (region !== o.region) return { type: 'InvalidSignatureException', message: `Credential should be scoped to a valid region. `, accessKeyId };
  if (service !== o.service) return { type: 'InvalidSignatureException', message: `Credential should be scoped to correct service: '${o.service}'. `, accessKeyId };

  const signed = signedList.split(';');
  const amzDate = header(req.headers, 'x-amz-date');
  if (!signed.includes('host') || !amzDate || !signed.includes('x-amz-date')) {
    return { type: 'IncompleteSignatureException', message: "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header, and 'host' must be signed.", accessKeyId };
  }
  if (token && !signed.includes('x-amz-security-token')) return { type: 'IncompleteSignatureException', message: "'X-Amz-Security-Token' must be signed.", accessKeyId };
  const d = AMZ_DATE.exec(amzDate);
  if (!d || d[1] !== date) return { type: 'InvalidSignatureException', message: 'Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP.', accessKeyId };
  const t = Date.UTC(+date.slice(0, 4), +date.slice(4, 6) - 1, +date.slice(6, 8), +d[2], +d[3], +d[4]);
  const now = (o.now ?? Date.now)();
  if (Math.abs(now - t) > (o.maxSkewMs ?? 5 * 60_000)) {
    return { type: 'InvalidSignatureException', message: `Signature expired: ${amzDate} is now earlier than the allowed window.`, accessKeyId };
  }

  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, `${date}/${region}/${service}/aws4_request`, sha256Hex(canonicalRequest(req, signed))].join('\n');
  const expected = createHmac('sha256', signingKey(cred.secretAccessKey, date, region, service)).update(stringToSign, 'utf8').digest();
  if (!timingSafeEqual(expected, Buffer.from(signature, 'hex'))) {
    return {
      type: 'InvalidSignatureException',
      message: 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
      accessKeyId,
    };
  }
  return null;
}
