import { pino, type Logger as PinoLogger, type LoggerOptions } from 'pino';

export type Logger = PinoLogger;

/** Paths whose values never reach a log line, wherever a request or config object is logged. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers["api-key"]',
  'req.headers["x-goog-api-key"]',
  'req.headers.cookie',
  'headers.authorization',
  'headers["x-api-key"]',
  'headers["api-key"]',
  'headers["x-goog-api-key"]',
  'api_key',
  '*.api_key',
  '*.*.api_key',
  'params.api_key',
  'litellm_params.api_key',
  'master_key',
  '*.master_key',
  'database_url',
  '*.database_url',
  'redis_password',
  '*.redis_password',
  'client_secret',
  '*.client_secret',
  'private_key',
  '*.private_key',
];

export function createLogger(options: LoggerOptions = {}): Logger {
  return pino({
    level: process.env.TOLLGATE_LOG_LEVEL ?? 'info',
    ...options,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  });
}

/** Remove anything that looks like a credential from text that may reach a client or a log. */
export function scrubSecrets(text: string, secrets: readonly (string | undefined)[] = []): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 6) out = out.split(s).join('[redacted]');
  return out
    .replace(/\b(sk|pk|rk)-[A-Za-z0-9_-]{8,}/g, '$1-[redacted]')
    .replace(/\bAIza[0-9A-Za-z_-]{20,}/g, '[redacted]')
    .replace(/(bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi, '$1[redacted]');
}
