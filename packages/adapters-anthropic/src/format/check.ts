/**
 * Checks on an Anthropic client's body, worded as Anthropic's API words them ("messages.0.content:
 * Field required"), each naming the field in `param`.
 */
import { BadRequestError } from '@tollgate/core';

export type Json = Record<string, any>;

export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export const invalid = (message: string, param?: string): BadRequestError => new BadRequestError(message, { param: param ?? null });

/** A client's value inside an error message (an object may carry its own toString). */
export function show(v: unknown): string {
  return typeof v === 'string' ? v : String(JSON.stringify(v)).slice(0, 100);
}

/** A block's required `text`. */
export function textOf(b: Json, p: string): string {
  if (typeof b.text !== 'string') throw invalid(`${p}.text: Field required`, `${p}.text`);
  return b.text;
}

/** A string field that may be absent ('' then). */
export function optString(b: Json, key: string, p: string): string {
  const v = b[key];
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw invalid(`${p}.${key}: Input should be a valid string`, `${p}.${key}`);
  return v;
}
