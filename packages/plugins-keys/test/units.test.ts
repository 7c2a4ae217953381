import { describe, expect, it } from 'vitest';
import { durationMs, nextResetAt } from '../src/duration.js';
import { pyFloat, pyList } from '../src/pyfmt.js';
import { generateKey, hashKey, keyName } from '../src/keygen.js';

describe('LiteLLM formats', () => {
  it('prints floats as Python repr does', () => {
    expect([10, 0.5, 1e-7, 7.2e-5, 0.0001, 0.00001, 1.2, 1e16, 123456.5].map(pyFloat)).toEqual(['10.0', '0.5', '1e-07', '7.2e-05', '0.0001', '1e-05', '1.2', '1e+16', '123456.5']);
    expect(pyList(['gpt-4', 'o3'])).toBe("['gpt-4', 'o3']");
  });

  it('parses LiteLLM durations, a month being a calendar month', () => {
    expect(['30s', '30m', '24h', '7d', '2w'].map((d) => durationMs(d))).toEqual([30_000, 1_800_000, 86_400_000, 604_800_000, 1_209_600_000]);
    expect(durationMs('1mo', Date.parse('2030-01-31T12:00:00Z'))).toBe(Date.parse('2030-02-28T12:00:00Z') - Date.parse('2030-01-31T12:00:00Z'));
    expect(durationMs('soon')).toBeNull();
  });

  it('aligns budget resets as LiteLLM does', () => {
    const now = Date.parse('2030-01-02T10:17:45Z'); // a Wednesday
    const at = (d: string) => new Date(nextResetAt(d, now)!).toISOString();
    expect(at('30s')).toBe('2030-01-02T10:18:00.000Z');
    expect(at('30m')).toBe('2030-01-02T10:30:00.000Z');
    expect(at('24h')).toBe('2030-01-03T00:00:00.000Z');
    expect(at('1d')).toBe('2030-01-03T00:00:00.000Z');
    expect(at('7d')).toBe('2030-01-07T00:00:00.000Z');
    expect(at('30d')).toBe('2030-02-01T00:00:00.000Z');
    expect(at('1mo')).toBe('2030-02-01T00:00:00.000Z');
    expect(at('3d')).toBe('2030-01-05T00:00:00.000Z');
  });

  it('makes sk- keys of 32 random bytes, hashed with sha256 and shown as sk-...abcd', () => {
    const k = generateKey();
    expect(Buffer.from(k.slice(3), 'base64url')).toHaveLength(32);
    expect(generateKey()).not.toBe(k);
    expect(hashKey('sk-1234')).toBe('88dc28d0f030c55ed4ab77ed8faf098196cb1c05df778539800c9f1243fe6b4b');
    expect(keyName('sk-abcdefgh')).toBe('sk-...efgh');
  });
});
