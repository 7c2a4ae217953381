import { BadRequestError } from '@tollgate/core';
import type { GeminiSchema } from './types.js';

/**
 * JSON Schema -> Gemini's Schema (an OpenAPI 3.0 subset). Gemini rejects any keyword it does not
 * know ("Invalid JSON payload received. Unknown name ..."), so this keeps only what it accepts:
 * `$ref`s are inlined from `$defs`/`definitions` (Gemini has no references), `anyOf`/`type`
 * arrays with `null` become `nullable`, `const` becomes a one-value `enum`, `oneOf` becomes
 * `anyOf`, and keywords like `additionalProperties`, `$schema`, `$id` are dropped. Types are sent
 * upper-case, as the official SDKs do (the API accepts either case).
 */

type Json = Record<string, unknown>;

const TYPES: Record<string, GeminiSchema['type']> = {
  string: 'STRING',
  number: 'NUMBER',
  integer: 'INTEGER',
  boolean: 'BOOLEAN',
  array: 'ARRAY',
  object: 'OBJECT',
};

/** Keywords copied as they are. */
const PLAIN = ['format', 'title', 'description', 'pattern', 'minimum', 'maximum', 'minItems', 'maxItems', 'minLength', 'maxLength', 'minProperties', 'maxProperties', 'default', 'example', 'propertyOrdering'] as const;

/** Deep enough for any real tool schema, shallow enough to stop a runaway recursion. */
const MAX_DEPTH = 32;

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

interface Walk {
  defs: Json;
  /** $refs being expanded on the current path (recursive schemas cannot be inlined). */
  active: Set<string>;
  path: string;
}

function resolveRef(ref: string, w: Walk, root: Json): Json | undefined {
  if (ref === '#') return root;
  const m = /^#\/(\$defs|definitions)\/(.+)$/.exec(ref);
  if (!m) return undefined;
  const name = m[2].replace(/~1/g, '/').replace(/~0/g, '~');
  const def = w.defs[name];
  return isObj(def) ? def : undefined;
}

function typeOf(t: unknown, path: string): GeminiSchema['type'] {
  const mapped = typeof t === 'string' ? TYPES[t.toLowerCase()] : undefined;
  if (!mapped) throw new BadRequestError(`Cannot convert JSON Schema type ${JSON.stringify(t)} at ${path} for Gemini.`, { param: 'tools' });
  return mapped;
}

/** `enum`/`const` -> Gemini's enum, which holds strings only (and only for STRING). */
function applyEnum(out: GeminiSchema, values: unknown[]): void {
  const nonNull = values.filter((v) => v !== null);
  if (nonNull.length < values.length) out.nullable = true;
  if (nonNull.length > 0 && nonNull.every((v) => typeof v === 'string')) {
    out.enum = nonNull as string[];
    out.type ??= 'STRING';
    return;
  }
  // Numbers or booleans cannot be an enum on Gemini: keep the type and say it in words.
  const allowed = nonNull.map((v) => JSON.stringify(v)).join(', ');
  out.description = out.description ? `${out.description} (one of: ${allowed})` : `One of: ${allowed}`;
}

function convert(node: unknown, w: Walk, root: Json, depth: number): GeminiSchema {
  if (depth > MAX_DEPTH) throw new BadRequestError(`JSON Schema at ${w.path} is nested too deeply for Gemini.`, { param: 'tools' });
  if (node === true || node === undefined || (isObj(node) && Object.keys(node).length === 0)) return {};
  if (!isObj(node)) throw new BadRequestError(`Invalid JSON Schema at ${w.path}.`, { param: 'tools' });
  let s: Json = node;

  if (typeof s.$ref === 'string') {
    const ref = s.$ref;
    if (w.active.has(ref)) {
      // A recursive type: Gemini cannot express it, so the recursion ends in an open object.
      const { $ref: _r, ...rest } = s;
      return { ...convert(rest, w, root, depth + 1), type: 'OBJECT' };
    }
    const target = resolveRef(ref, w, root);
    if (!target) throw new BadRequestError(`Cannot resolve $ref ${JSON.stringify(ref)} at ${w.path}: only local #/$defs and #/definitions references are supported.`, { param: 'tools' });
    const { $ref: _r, ...siblings } = s;
    w.active.add(ref);
    try {
      const inner = convert({ ...target, ...siblings }, w, root, depth + 1);
      return inner;
    } finally {
      w.active.delete(ref);
    }
  }

  const out: GeminiSchema = {};

  // anyOf / oneOf: null members become `nullable`; a single remaining member is merged in.
  const union = (Array.isArray(s.anyOf) ? s.anyOf : Array.isArray(s.oneOf) ? s.oneOf : undefined) as unknown[] | undefined;
  if (union) {
    const members = union.filter((m) => !(isObj(m) && m.type === 'null'));
    const { anyOf: _a, oneOf: _o, ...rest } = s;
    if (members.length < union.length) out.nullable = true;
    if (members.length === 1) {
      // The member may itself be a $ref: convert the merged node from the top.
      const inner = convert({ ...rest, ...(members[0] as Json) }, w, root, depth + 1);
      return out.nullable ? { ...inner, nullable: true } : inner;
    }
    s = rest;
    out.anyOf = members.map((m, i) => convert(m, { ...w, path: `${w.path}.anyOf[${i}]` }, root, depth + 1));
  }
  if (Array.isArray(s.allOf)) {
    // Merge the members: Gemini has no allOf. Good enough for the usual "extends" pattern.
    const { allOf, ...rest } = s;
    const props: Json = {};
    const required = new Set<string>();
    let merged: Json = {};
    for (const m of [...(allOf as unknown[]), rest]) {
      const part = isObj(m) && typeof m.$ref === 'string' ? resolveRef(m.$ref, w, root) ?? {} : (m as Json);
      Object.assign(props, (part.properties as Json) ?? {});
      for (const r of (part.required as string[]) ?? []) required.add(r);
      merged = { ...merged, ...part };
    }
    delete merged.properties;
    delete merged.required;
    if (Object.keys(props).length) merged.properties = props;
    if (required.size) merged.required = [...required];
    return { ...out, ...convert(merged, w, root, depth + 1) };
  }

  if (Array.isArray(s.type)) {
    const types = (s.type as unknown[]).filter((t) => t !== 'null');
    if (types.length < s.type.length) out.nullable = true;
    if (types.length === 1) out.type = typeOf(types[0], w.path);
    else if (types.length > 1) out.anyOf = types.map((t) => ({ type: typeOf(t, w.path) }));
  } else if (s.type === 'null') {
    out.nullable = true;
  } else if (s.type !== undefined) {
    out.type = typeOf(s.type, w.path);
  }

  for (const k of PLAIN) if (s[k] !== undefined) (out as Json)[k] = s[k];
  if (out.example === undefined && Array.isArray(s.examples) && s.examples.length) out.example = s.examples[0];
  if (Array.isArray(s.enum)) applyEnum(out, s.enum);
  if (s.const !== undefined) applyEnum(out, [s.const]);

  if (isObj(s.properties)) {
    const props: Record<string, GeminiSchema> = {};
    for (const [name, sub] of Object.entries(s.properties)) {
      props[name] = convert(sub, { ...w, path: `${w.path}.properties.${name}` }, root, depth + 1);
    }
    out.properties = props;
    out.type ??= 'OBJECT';
    if (Array.isArray(s.required)) {
      const req = (s.required as unknown[]).filter((r): r is string => typeof r === 'string' && r in props);
      if (req.length) out.required = req;
    }
  }
  if (s.items !== undefined) {
    const items = Array.isArray(s.items) ? s.items : [s.items];
    const converted = items.map((it, i) => convert(it, { ...w, path: `${w.path}.items${Array.isArray(s.items) ? `[${i}]` : ''}` }, root, depth + 1));
    out.items = converted.length === 1 ? converted[0] : { anyOf: converted };
    out.type ??= 'ARRAY';
  }
  return out;
}

/** Convert a JSON Schema (tool parameters or a response schema) into Gemini's Schema. */
export function toGeminiSchema(schema: unknown, param = 'tools'): GeminiSchema {
  if (!isObj(schema)) throw new BadRequestError('A JSON Schema must be an object.', { param });
  const defs = { ...((schema.definitions as Json) ?? {}), ...((schema.$defs as Json) ?? {}) };
  try {
    return convert(schema, { defs, active: new Set(), path: '#' }, schema, 0);
  } catch (err) {
    if (err instanceof BadRequestError && param !== 'tools') throw new BadRequestError(err.message, { param });
    throw err;
  }
}

/**
 * Tool parameters: the root must be an OBJECT with properties; a function without parameters
 * omits the field (older Gemini models answer "properties: should be non-empty for OBJECT type").
 */
export function toGeminiParameters(schema: unknown): GeminiSchema | undefined {
  if (schema === undefined || schema === null) return undefined;
  const out = toGeminiSchema(schema);
  if (!out.properties || Object.keys(out.properties).length === 0) return undefined;
  out.type = 'OBJECT';
  return out;
}
