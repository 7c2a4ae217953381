/**
 * A strict mock of AWS STS `AssumeRole` (docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html):
 * the Query protocol (`POST /`, `application/x-www-form-urlencoded`, `Action=AssumeRole&Version=2011-06-15`),
 * SigV4 verified with signing name `sts` (sigv4-verify.ts), parameter constraints from the API reference
 * (RoleArn 20..2048, RoleSessionName `[\w+=,.@-]{2,64}`, DurationSeconds 900..43200, ExternalId
 * `[\w+=,.@:\/-]{2,1224}`), answers and errors in its XML (`AssumeRoleResponse`, `ErrorResponse`).
 * Issued credentials are added to `issueTo` (a Bedrock mock's credential list), so a test can
 * expire one and watch the gateway assume the role again.
 */
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { FaultSlot, listen, mediaType, receive, sendRaw, type Fault, type RecordedRequest } from './http.js';
import { verifySigV4, type AwsCredential } from './sigv4-verify.js';

export interface StsMockOptions {
  /** Region requests are signed for. Default 'us-east-1'. */
  region?: string;
  /** Who may call STS (the base credentials). */
  credentials: readonly AwsCredential[];
  /** Roles that may be assumed, by ARN, with the ExternalId their trust policy requires. */
  roles: Record<string, { externalId?: string }>;
  /** Where issued credentials go (share it with startBedrockMock's `credentials`). */
  issueTo: AwsCredential[];
}

export interface StsMockServer {
  url: string;
  requests: RecordedRequest[];
  /** Every credential issued, in order. */
  issued: AwsCredential[];
  setNext(fault: Fault): void;
  close(): Promise<void>;
}

const NS = 'https://sts.amazonaws.com/doc/2011-06-15/';
const escapeXml = (s: string): string => s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  const type = status >= 500 ? 'Receiver' : 'Sender';
  sendRaw(res, status, `<ErrorResponse xmlns="${NS}"><Error><Type>${type}</Type><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>mock-sts-request</RequestId></ErrorResponse>`, { 'content-type': 'text/xml' });
}

const validation = (field: string, value: string | null, constraint: string): [number, string, string] =>
  [400, 'ValidationError', `1 validation error detected: Value ${value === null ? 'null' : `'${value}'`} at '${field}' failed to satisfy constraint: ${constraint}`];

export async function startStsMock(options: StsMockOptions): Promise<StsMockServer> {
  const region = options.region ?? 'us-east-1';
  const requests: RecordedRequest[] = [];
  const issued: AwsCredential[] = [];
  const faults = new FaultSlot();

  /** What is wrong with the request, as STS answers it; null when it is an AssumeRole STS grants. */
  function refusal(method: string, rawUrl: string, headers: Record<string, string | string[] | undefined>, text: string): [number, string, string] | null {
    if (method !== 'POST' || rawUrl.split('?')[0] !== '/') return [404, 'UnknownOperation', 'The requested operation is not supported.'];
    if (mediaType(headers['content-type'] as string | undefined) !== 'application/x-www-form-urlencoded') return [400, 'InvalidParameterValue', 'Content-Type must be application/x-www-form-urlencoded.'];
    const failure = verifySigV4({ method, rawUrl, headers, body: Buffer.from(text) }, { credentials: options.credentials, region, service: 'sts' });
    if (failure) {
      // STS's own codes for the signature refusals AWS services share (Query protocol).
      const code = failure.type === 'UnrecognizedClientException' ? 'InvalidClientTokenId' : failure.type === 'InvalidSignatureException' ? 'SignatureDoesNotMatch' : failure.type;
      return [403, code, failure.message];
    }
    const p = new URLSearchParams(text);
    if (p.get('Action') !== 'AssumeRole') return [400, 'InvalidAction', `Could not find operation ${p.get('Action') ?? ''} for version ${p.get('Version') ?? ''}`];
    if (p.get('Version') !== '2011-06-15') return [400, 'InvalidAction', `Could not find operation AssumeRole for version ${p.get('Version') ?? 'NO_VERSION_SPECIFIED'}`];
    const arn = p.get('RoleArn');
    const session = p.get('RoleSessionName');
    const duration = p.get('DurationSeconds');
    const externalId = p.get('ExternalId');
    if (arn === null || arn.length < 20 || arn.length > 2048) return validation('roleArn', arn, 'Member must have length greater than or equal to 20');
    if (session === null || !/^[\w+=,.@-]{2,64}$/.test(session)) return validation('roleSessionName', session, 'Member must satisfy regular expression pattern: [\\w+=,.@-]*');
    if (duration !== null && !(Number.isInteger(Number(duration)) && Number(duration) >= 900 && Number(duration) <= 43200)) return validation('durationSeconds', duration, 'Member must have value less than or equal to 43200');
    if (externalId !== null && !/^[\w+=,.@:/-]{2,1224}$/.test(externalId)) return validation('externalId', externalId, 'Member must satisfy regular expression pattern: [\\w+=,.@:\\/-]*');
    const role = options.roles[arn];
    if (!role || (role.externalId !== undefined && role.externalId !== externalId)) {
      return [403, 'AccessDenied', `User: arn:aws:iam::123456789012:user/mock is not authorized to perform: sts:AssumeRole on resource: ${arn}`];
    }
    return null;
  }

  const listening = await listen(async (req, res) => {
    const { text } = await receive(req, requests);
    const fault = faults.take();
    if (fault?.kind === 'status') return sendError(res, fault.status, fault.status === 400 ? 'Throttling' : 'InternalFailure', 'Mock fault');
    const refused = refusal(req.method ?? 'GET', req.url ?? '/', req.headers, text);
    if (refused) return sendError(res, ...refused);
    const p = new URLSearchParams(text);
    const cred: AwsCredential = {
      accessKeyId: `ASIA${randomBytes(8).toString('hex').toUpperCase()}`,
      secretAccessKey: randomBytes(30).toString('base64'),
      sessionToken: `IQoJb3JpZ2luX2Vj${randomBytes(48).toString('base64')}`,
    };
    issued.push(cred);
    options.issueTo.push(cred);
    const expiration = new Date(Date.now() + Number(p.get('DurationSeconds') ?? 3600) * 1000).toISOString();
    const roleName = (p.get('RoleArn') ?? '').split('/').pop();
    sendRaw(res, 200, [
      `<AssumeRoleResponse xmlns="${NS}"><AssumeRoleResult>`,
      `<AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/${roleName}/${p.get('RoleSessionName')}</Arn><AssumedRoleId>AROAMOCK:${p.get('RoleSessionName')}</AssumedRoleId></AssumedRoleUser>`,
      `<Credentials><AccessKeyId>${cred.accessKeyId}</AccessKeyId><SecretAccessKey>${cred.secretAccessKey}</SecretAccessKey><SessionToken>${cred.sessionToken}</SessionToken><Expiration>${expiration}</Expiration></Credentials>`,
      '<PackedPolicySize>6</PackedPolicySize></AssumeRoleResult><ResponseMetadata><RequestId>mock-sts-request</RequestId></ResponseMetadata></AssumeRoleResponse>',
    ].join(''), { 'content-type': 'text/xml' });
  });

  return { url: listening.url, requests, issued, setNext: (f) => faults.set(f), close: listening.close };
}
