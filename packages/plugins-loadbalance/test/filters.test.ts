import { describe, expect, it } from 'vitest';
import { BadRequestError } from '@tollgate/core';
import { contextWindowError, estimateInputTokens, filterByContextWindow, filterByTags, requestOverrides } from '@tollgate/plugin-loadbalance';
import { group } from './helpers.js';

const ds = group('g', [
  { id: 'free', tags: ['free'] },
  { id: 'paid', tags: ['paid', 'eu'] },
  { id: 'paid-us', tags: ['paid', 'us'] },
  { id: 'fallback', tags: ['default'] },
]);
const ids = (xs: readonly { id: string }[]) => xs.map((d) => d.id);
const tagged = (tags: string[], matchAny = true) => ids(filterByTags(ds, tags, { enabled: undefined, matchAny }));

describe('tag routing', () => {
  it('sends a tagged request to the deployments with its tags', () => {
    expect(tagged(['free'])).toEqual(['free']);
    expect(tagged(['paid'])).toEqual(['paid', 'paid-us']);
    expect(tagged(['free', 'eu'])).toEqual(['free', 'paid']);
  });

  it('requires every tag when match-any is off', () => {
    expect(tagged(['paid', 'eu'], false)).toEqual(['paid']);
  });

  it('sends a request whose tags nobody has to the `default` deployments', () => {
    expect(tagged(['unknown'])).toEqual(['fallback']);
  });

  it('sends an untagged request to the `default` deployments, else to all', () => {
    expect(tagged([])).toEqual(['fallback']);
    const noDefault = group('g', [{ id: 'a', tags: ['x'] }, { id: 'b' }]);
    expect(ids(filterByTags(noDefault, [], { enabled: undefined, matchAny: true }))).toEqual(['a', 'b']);
  });

  it('leaves out `!tag` deployments and requires `&tag` ones', () => {
    expect(tagged(['paid', '!us'])).toEqual(['paid']);
    expect(tagged(['&paid', '&us'])).toEqual(['paid-us']);
    // Only exclusions: the `default` pool minus them, as LiteLLM (no pool left -> refused).
    expect(tagged(['!free'])).toEqual(['fallback']);
    expect(() => tagged(['!default'])).toThrow(BadRequestError);
  });

  it('refuses a request no deployment may take, naming the tags', () => {
    const noDefault = group('g', [{ id: 'a', tags: ['x'] }]);
    const err = (() => { try { filterByTags(noDefault, ['y'], { enabled: undefined, matchAny: true }); } catch (e) { return e; } })() as BadRequestError;
    expect(err).toBeInstanceOf(BadRequestError);
    expect(err.status).toBe(400);
    expect(err.code).toBe('no_deployments_with_tag_routing');
    expect(err.message).toContain('y');
    expect(() => filterByTags(ds, ['&paid', '&free'], { enabled: undefined, matchAny: true })).toThrow(BadRequestError);
  });

  it('is off for a group without tags, and when enable_tag_filtering is false', () => {
    const plain = group('g', [{ id: 'a' }, { id: 'b' }]);
    expect(ids(filterByTags(plain, ['x'], { enabled: undefined, matchAny: true }))).toEqual(['a', 'b']);
    expect(ids(filterByTags(ds, ['free'], { enabled: false, matchAny: true }))).toEqual(['free', 'paid', 'paid-us', 'fallback']);
  });
});

describe('request overrides', () => {
  it('read tags from the body, metadata.tags and the x-tollgate-tags header', () => {
    const o = requestOverrides({ tags: ['a'], metadata: { tags: ['b', 'a'] } }, { 'x-tollgate-tags': 'c, d,' });
    expect(o.tags).toEqual(['a', 'b', 'c', 'd']);
  });

  it('read num_retries from the header before the body', () => {
    expect(requestOverrides({ num_retries: 4 }).numRetries).toBe(4);
    expect(requestOverrides({ num_retries: 4 }, { 'x-tollgate-num-retries': '0' }).numRetries).toBe(0);
    expect(requestOverrides({}).numRetries).toBeUndefined();
  });

  it('read request fallbacks in both of LiteLLM\'s forms, and disable_fallbacks', () => {
    expect(requestOverrides({ fallbacks: ['b', 'c'] }).fallbacks).toEqual({ groups: {}, any: ['b', 'c'] });
    expect(requestOverrides({ fallbacks: [{ a: ['b'] }] }).fallbacks).toEqual({ groups: { a: ['b'] }, any: undefined });
    expect(requestOverrides({ disable_fallbacks: true }).disableFallbacks).toBe(true);
  });

  it('answer a bad value with a 400 naming it', () => {
    const param = (body: Record<string, unknown>, headers = {}) => {
      try { requestOverrides(body, headers); } catch (e) { return [(e as BadRequestError).status, (e as BadRequestError).param]; }
      return null;
    };
    expect(param({ num_retries: -1 })).toEqual([400, 'num_retries']);
    expect(param({}, { 'x-tollgate-num-retries': 'many' })).toEqual([400, 'x-tollgate-num-retries']);
    expect(param({ fallbacks: 'b' })).toEqual([400, 'fallbacks']);
    expect(param({ fallbacks: [{ a: 3 }] })).toEqual([400, 'fallbacks']);
    expect(param({ tags: 'x' })).toEqual([400, 'tags']);
    expect(param({ disable_fallbacks: 'yes' })).toEqual([400, 'disable_fallbacks']);
  });
});

describe('pre-call context-window check', () => {
  it('estimates about a token per four characters plus a few per message', () => {
    const tokens = estimateInputTokens({ messages: [{ role: 'system', content: 'x'.repeat(400) }, { role: 'user', content: [{ type: 'text', text: 'y'.repeat(400) }] }] });
    expect(tokens).toBe(200 + 8);
    expect(estimateInputTokens({ messages: [{ role: 'user', content: 'hi' }], tools: [{ type: 'function', function: { name: 'f' } }] })).toBeGreaterThan(5);
  });

  it('skips deployments whose window is smaller than the prompt, keeping unknown windows', () => {
    const windows = group('g', [
      { id: 'small', model_info: { max_input_tokens: 1000 } },
      { id: 'big', model_info: { max_input_tokens: 100_000 } },
      { id: 'legacy', model_info: { max_tokens: 4000 } },
      { id: 'unknown' },
    ]);
    expect(ids(filterByContextWindow(windows, 3000))).toEqual(['big', 'legacy', 'unknown']);
    expect(ids(filterByContextWindow(windows, 5000))).toEqual(['big', 'unknown']);
  });

  it('makes a context_window_exceeded error when none fits', () => {
    const err = contextWindowError('g', 5000);
    expect(err.kind).toBe('context_window_exceeded');
    expect(err.status).toBe(400);
    expect(err.code).toBe('context_length_exceeded');
  });
});
