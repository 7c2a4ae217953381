import { BadRequestError } from '@tollgate/core';
import { describe, expect, it } from 'vitest';
import { toGeminiParameters, toGeminiSchema } from '../src/index.js';

describe('JSON Schema -> Gemini Schema', () => {
  it('upper-cases types and drops keywords Gemini rejects', () => {
    const out = toGeminiSchema({
      $schema: 'http://json-schema.org/draft-07/schema#',
      $id: 'x',
      type: 'object',
      additionalProperties: false,
      properties: {
        city: { type: 'string', description: 'City', minLength: 1, format: 'date-time' },
        days: { type: 'integer', minimum: 1, maximum: 10, exclusiveMaximum: 11, multipleOf: 1 },
        tags: { type: 'array', items: { type: 'string' }, uniqueItems: true, maxItems: 3 },
      },
      required: ['city', 'missing'],
      strict: true,
    });
    expect(out).toEqual({
      type: 'OBJECT',
      properties: {
        city: { type: 'STRING', description: 'City', minLength: 1, format: 'date-time' },
        days: { type: 'INTEGER', minimum: 1, maximum: 10 },
        tags: { type: 'ARRAY', items: { type: 'STRING' }, maxItems: 3 },
      },
      // a required name without a property is dropped (Gemini refuses it)
      required: ['city'],
    });
  });

  it('inlines $ref from $defs and definitions, keeping sibling keywords', () => {
    const out = toGeminiSchema({
      type: 'object',
      $defs: { Unit: { type: 'string', enum: ['c', 'f'] } },
      definitions: { Point: { type: 'object', properties: { x: { type: 'number' } }, required: ['x'] } },
      properties: {
        unit: { $ref: '#/$defs/Unit', description: 'unit' },
        at: { $ref: '#/definitions/Point' },
        path: { type: 'array', items: { $ref: '#/definitions/Point' } },
      },
    });
    expect(out.properties).toEqual({
      unit: { type: 'STRING', enum: ['c', 'f'], description: 'unit' },
      at: { type: 'OBJECT', properties: { x: { type: 'NUMBER' } }, required: ['x'] },
      path: { type: 'ARRAY', items: { type: 'OBJECT', properties: { x: { type: 'NUMBER' } }, required: ['x'] } },
    });
    expect(JSON.stringify(out)).not.toMatch(/\$ref|\$defs|definitions/);
  });

  it('cuts recursive references off as an open object', () => {
    const out = toGeminiSchema({
      type: 'object',
      $defs: { Node: { type: 'object', properties: { name: { type: 'string' }, child: { $ref: '#/$defs/Node' } } } },
      properties: { root: { $ref: '#/$defs/Node' } },
    });
    expect(out.properties!.root.properties!.child).toEqual({ type: 'OBJECT' });
  });

  it('turns anyOf with null, and type arrays with null, into nullable', () => {
    const out = toGeminiSchema({
      type: 'object',
      properties: {
        a: { anyOf: [{ type: 'string' }, { type: 'null' }] },
        b: { type: ['integer', 'null'] },
        c: { anyOf: [{ type: 'string' }, { type: 'integer' }] },
        d: { type: ['string', 'number'] },
        e: { oneOf: [{ $ref: '#/$defs/E' }, { type: 'null' }] },
      },
      $defs: { E: { type: 'boolean' } },
    });
    expect(out.properties).toEqual({
      a: { type: 'STRING', nullable: true },
      b: { type: 'INTEGER', nullable: true },
      c: { anyOf: [{ type: 'STRING' }, { type: 'INTEGER' }] },
      d: { anyOf: [{ type: 'STRING' }, { type: 'NUMBER' }] },
      e: { type: 'BOOLEAN', nullable: true },
    });
  });

  it('maps const and enums to string enums; numeric enums become words', () => {
    const out = toGeminiSchema({
      type: 'object',
      properties: {
        kind: { const: 'fixed' },
        level: { type: 'integer', enum: [1, 2, 3], description: 'Level' },
        maybe: { enum: ['x', null] },
      },
    });
    expect(out.properties!.kind).toEqual({ type: 'STRING', enum: ['fixed'] });
    expect(out.properties!.level).toEqual({ type: 'INTEGER', description: 'Level (one of: 1, 2, 3)' });
    expect(out.properties!.maybe).toEqual({ type: 'STRING', enum: ['x'], nullable: true });
  });

  it('merges allOf members', () => {
    const out = toGeminiSchema({
      allOf: [
        { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] },
        { properties: { b: { type: 'number' } }, required: ['b'] },
      ],
    });
    expect(out).toEqual({ type: 'OBJECT', properties: { a: { type: 'STRING' }, b: { type: 'NUMBER' } }, required: ['a', 'b'] });
  });

  it('refuses references it cannot resolve and unknown types', () => {
    expect(() => toGeminiSchema({ type: 'object', properties: { a: { $ref: 'https://x/y.json' } } })).toThrow(BadRequestError);
    expect(() => toGeminiSchema({ type: 'tuple' })).toThrow(/Cannot convert JSON Schema type "tuple"/);
  });

  it('tool parameters: an object without properties is left out', () => {
    expect(toGeminiParameters({ type: 'object', properties: {} })).toBeUndefined();
    expect(toGeminiParameters(undefined)).toBeUndefined();
    expect(toGeminiParameters({ properties: { q: { type: 'string' } } })).toEqual({ type: 'OBJECT', properties: { q: { type: 'STRING' } } });
  });
});
