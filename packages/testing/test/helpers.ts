import { expect } from 'vitest';

/** Asserts the OpenAI error envelope and returns its `error`. */
export function expectError(r: { status: number; json: any }, status: number, match: { message?: RegExp | string; param?: string | null; code?: string | null }) {
  expect(r.status).toBe(status);
  expect(Object.keys(r.json)).toEqual(['error']);
  const e = r.json.error;
  expect(Object.keys(e).sort()).toEqual(['code', 'message', 'param', 'type']);
  expect(e.type).toBe('invalid_request_error');
  if (match.message instanceof RegExp) expect(e.message).toMatch(match.message);
  else if (match.message !== undefined) expect(e.message).toBe(match.message);
  if (match.param !== undefined) expect(e.param).toBe(match.param);
  if (match.code !== undefined) expect(e.code).toBe(match.code);
  return e;
}
