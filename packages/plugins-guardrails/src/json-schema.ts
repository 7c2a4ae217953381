import { createHash } from 'node:crypto';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { LRUCache } from 'lru-cache';
import type { ChatCompletion, ChatCompletionRequest } from '@tollgate/core';

// ajv-formats is CommonJS; its default export is the plugin function.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/**
 * Our own Ajv: the core's shared instance fills in defaults (`useDefaults`), which must never
 * happen to a model's answer being checked. Formats are those OpenAI structured outputs accept.
 */
const ajv = addFormats(new Ajv({ allErrors: false, strict: false, allowUnionTypes: true }));

/** Compiled validators by schema hash; a bound keeps a client sending endless new schemas from growing memory. */
const cache = new LRUCache<string, ValidateFunction | Error>({ max: 256 });

export type SchemaCheck = { ok: true } | { ok: false; reason: string };

/**
 * Check a complete answer against the request's `response_format: {type: 'json_schema'}`: each
 * choice's content must parse as JSON and validate. A request without one passes. The reason
 * names the choice and the schema path, never the content.
 */
export function checkJsonSchema(request: ChatCompletionRequest, response: ChatCompletion): SchemaCheck {
  const rf = request.response_format;
  if (!rf || rf.type !== 'json_schema' || !rf.json_schema?.schema) return { ok: true };
  const validate = compiled(rf.json_schema.schema);
  const name = rf.json_schema.name;
  if (validate instanceof Error) return { ok: false, reason: `The response_format schema '${name}' could not be compiled: ${validate.message}` };
  for (const choice of response.choices ?? []) {
    if (choice.finish_reason === 'tool_calls') continue;
    const content = choice.message?.content;
    if (typeof content !== 'string') return { ok: false, reason: `Choice ${choice.index} has no content to match the response_format schema '${name}'.` };
    let data: unknown;
    try {
      data = JSON.parse(content);
    } catch {
      return { ok: false, reason: `Choice ${choice.index} is not valid JSON (response_format schema '${name}').` };
    }
    if (!validate(data)) {
      const e = validate.errors?.[0];
      const where = e?.instancePath || '(root)';
      return { ok: false, reason: `Choice ${choice.index} does not match the response_format schema '${name}': ${where} ${e?.message ?? 'is invalid'}.` };
    }
  }
  return { ok: true };
}

function compiled(schema: Record<string, unknown>): ValidateFunction | Error {
  const key = createHash('sha256').update(JSON.stringify(schema)).digest('base64url');
  let v = cache.get(key);
  if (!v) {
    try {
      v = ajv.compile(schema);
    } catch (err) {
      v = err instanceof Error ? err : new Error(String(err));
    }
    cache.set(key, v);
  }
  return v;
}

/** Validators compiled so far (for tests of the cache bound). */
export function schemaCacheSize(): number {
  return cache.size;
}
