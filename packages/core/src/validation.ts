import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { formatPointer } from './config/path.js';

/**
 * One shared Ajv instance. Schemas may carry `x-message` to replace ajv's wording for a field
 * (e.g. `must be "provider/model"`). Schemas are compiled once at start-up, never per request.
 */
const ajv = new Ajv({ allErrors: false, strict: false, verbose: true, useDefaults: true, allowUnionTypes: true });
ajv.addKeyword({ keyword: 'x-message', schemaType: 'string' });

export type Check<T> = (value: unknown) => value is T;

export function compileSchema<T = unknown>(schema: Record<string, unknown>): ValidateFunction<T> {
  return ajv.compile<T>(schema);
}

/** Format ajv errors as "a.b[2].c: message" lines. */
export function describeErrors(errors: readonly ErrorObject[] | null | undefined, root = ''): string[] {
  if (!errors?.length) return [];
  return errors.map((e) => {
    let path = formatPointer(e.instancePath);
    if (e.keyword === 'required') path = join(path, (e.params as { missingProperty: string }).missingProperty);
    if (e.keyword === 'additionalProperties') path = join(path, (e.params as { additionalProperty: string }).additionalProperty);
    const custom = (e.parentSchema as Record<string, unknown> | undefined)?.['x-message'];
    const message =
      e.keyword === 'required' ? 'is required' :
      e.keyword === 'additionalProperties' ? 'is not a known property' :
      typeof custom === 'string' ? custom :
      e.keyword === 'enum' ? `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}` :
      e.message ?? 'is invalid';
    const full = root ? (path ? (path.startsWith('[') ? root + path : `${root}.${path}`) : root) : path;
    return `${full || '(root)'}: ${message}`;
  });
}

function join(a: string, b: string): string {
  return a ? `${a}.${b}` : b;
}

/** The first error as (param, message), for request validation answers. */
export function firstError(errors: readonly ErrorObject[] | null | undefined): { param: string | null; message: string } {
  // Prefer an error that carries our own wording (an anyOf with `x-message`) over a branch's.
  const chosen = errors?.find((e) => typeof (e.parentSchema as Record<string, unknown> | undefined)?.['x-message'] === 'string') ?? errors?.[0];
  const line = describeErrors(chosen ? [chosen] : [])[0];
  if (!line) return { param: null, message: 'Invalid request.' };
  const i = line.indexOf(': ');
  const param = line.slice(0, i);
  return { param: param === '(root)' ? null : param, message: line };
}
