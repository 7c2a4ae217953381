/**
 * OpenAI error envelopes, worded as api.openai.com words them (collected from
 * real error bodies quoted in public issues; see README "Sources").
 */
import { HttpError } from './http.js';

export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export function openAIError(
  status: number,
  message: string,
  param: string | null = null,
  code: string | null = null,
  type = 'invalid_request_error',
): HttpError {
  const body: OpenAIErrorBody = { error: { message, type, param, code } };
  return new HttpError(status, body);
}

export const badRequest = (message: string, param: string | null = null, code: string | null = null): HttpError =>
  openAIError(400, message, param, code);

/** JSON type as OpenAI names it in "but got X instead". */
export function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'an integer' : 'a decimal';
  if (typeof v === 'string') return 'a string';
  if (typeof v === 'boolean') return 'a boolean';
  return 'an object';
}

/** "'a' and 'b'", "'a', 'b', and 'c'" */
export function quoteList(values: readonly string[]): string {
  const q = values.map((v) => `'${v}'`);
  if (q.length <= 2) return q.join(' and ');
  return `${q.slice(0, -1).join(', ')}, and ${q[q.length - 1]}`;
}

export const missingParam = (param: string): HttpError =>
  badRequest(`Missing required parameter: '${param}'.`, param, 'missing_required_parameter');

export const invalidType = (param: string, expected: string, got: unknown): HttpError =>
  badRequest(`Invalid type for '${param}': expected ${expected}, but got ${typeName(got)} instead.`, param, 'invalid_type');

export const invalidValue = (param: string, got: unknown, supported: readonly string[]): HttpError =>
  badRequest(`Invalid value: '${String(got)}'. Supported values are: ${quoteList(supported)}.`, param, 'invalid_value');

export const unknownParam = (param: string): HttpError =>
  badRequest(`Unknown parameter: '${param}'.`, param, 'unknown_parameter');

export const unrecognizedArgument = (name: string): HttpError =>
  badRequest(`Unrecognized request argument supplied: ${name}`);

export const emptyArray = (param: string): HttpError =>
  badRequest(
    `Invalid '${param}': empty array. Expected an array with minimum length 1, but got an empty array instead.`,
    param,
    'empty_array',
  );

export const arrayTooLong = (param: string, max: number, got: number): HttpError =>
  badRequest(
    `Invalid '${param}': array too long. Expected an array with maximum length ${max}, but got an array with length ${got} instead.`,
    param,
    'array_above_max_length',
  );

const NAME_PATTERN = /^[a-zA-Z0-9_-]+$/;

/** Function / schema names: ^[a-zA-Z0-9_-]+$ and at most 64 characters. */
export function checkName(param: string, name: unknown): void {
  if (name === undefined || name === null) throw missingParam(param);
  if (typeof name !== 'string') throw invalidType(param, 'a string', name);
  if (!NAME_PATTERN.test(name)) {
    throw badRequest(
      `Invalid '${param}': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.`,
      param,
      'invalid_value',
    );
  }
  if (name.length > 64) {
    throw badRequest(
      `Invalid '${param}': string too long. Expected a string with maximum length 64, but got a string with length ${name.length} instead.`,
      param,
      'string_above_max_length',
    );
  }
}

/** Numeric range check with OpenAI's "decimal above maximum value" wording. */
export function checkNumber(
  param: string,
  v: unknown,
  { min, max, integer = false }: { min?: number; max?: number; integer?: boolean },
): void {
  if (v === undefined || v === null) return;
  const kind = integer ? 'integer' : 'decimal';
  if (typeof v !== 'number' || !Number.isFinite(v) || (integer && !Number.isInteger(v))) {
    throw invalidType(param, integer ? 'an integer' : 'a decimal', v);
  }
  if (min !== undefined && v < min) {
    throw badRequest(
      `Invalid '${param}': ${kind} below minimum value. Expected a value >= ${min}, but got ${v} instead.`,
      param,
      `${kind}_below_min_value`,
    );
  }
  if (max !== undefined && v > max) {
    throw badRequest(
      `Invalid '${param}': ${kind} above maximum value. Expected a value <= ${max}, but got ${v} instead.`,
      param,
      `${kind}_above_max_value`,
    );
  }
}

export function checkType(param: string, v: unknown, type: 'string' | 'boolean' | 'object'): void {
  if (v === undefined || v === null) return;
  const ok = type === 'object' ? typeof v === 'object' && !Array.isArray(v) : typeof v === type;
  if (!ok) throw invalidType(param, type === 'object' ? 'an object' : `a ${type}`, v);
}

export function checkEnum(param: string, v: unknown, values: readonly string[]): void {
  if (v === undefined || v === null) return;
  if (typeof v !== 'string') throw invalidType(param, 'a string', v);
  if (!values.includes(v)) throw invalidValue(param, v, values);
}

export function isObject(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Rejects keys of `obj` not in `allowed`, as "Unknown parameter: 'prefix.key'.". */
export function checkKeys(prefix: string, obj: Record<string, unknown>, allowed: readonly string[]): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) throw unknownParam(`${prefix}.${key}`);
  }
}
