import { describe, expect, it } from 'vitest';
import { applyMasks, MaskSession, Scanner, StreamWindow } from '@tollgate/plugin-guardrails';
import { rulesOf } from './helpers.js';

/** A small deterministic PRNG (mulberry32), so every run sees the same cases. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FILLER = ['The plan', ' is fine.', ' Version 2.14.3', ' on 2024-03-15,', ' at 12:30:45', ' (see ticket 4412)', '\n', ' ok', ' -- ', ' 85% done', ' x=1;', ' call me'];
const SENSITIVE = [
  'jane.doe@example.com', '+1 415 555 2671', '4111 1111 1111 1111', 'DE89 3704 0044 0532 0130 00', '123-45-6789', '192.168.1.10',
  'sk-proj-Abc123DEFghiJKLmnoPQRstuVWXyz0123456789', 'AKIAIOSFODNN7EXAMPLE', 'ghp_16C7e42F292c6912E7710c838347Ae178B4a', 'fe80::1',
];

function makeText(next: () => number): string {
  let s = '';
  const parts = 4 + Math.floor(next() * 10);
  for (let i = 0; i < parts; i++) {
    s += FILLER[Math.floor(next() * FILLER.length)];
    if (next() < 0.3) s += ' ' + SENSITIVE[Math.floor(next() * SENSITIVE.length)] + ' ';
  }
  return s;
}

function randomChunks(text: string, next: () => number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; ) {
    const n = 1 + Math.floor(next() * 9);
    out.push(text.slice(i, i + n));
    i += n;
  }
  return out;
}

describe('stream window, against the whole-text scan (300 seeded cases)', () => {
  const mask = rulesOf([{ name: 'pii', type: 'pii' }, { name: 's', type: 'secrets', options: { action: 'mask' } }]).rules;
  const block = rulesOf([{ name: 'pii', type: 'pii', options: { action: 'block' } }, { name: 's', type: 'secrets' }]).rules;

  it('masks exactly what the whole-text scan masks, whatever the chunking', () => {
    const next = rng(7);
    for (let c = 0; c < 300; c++) {
      const text = makeText(next);
      const expected = applyMasks(text, new Scanner(mask).scan(text), new MaskSession());
      const w = new StreamWindow(mask);
      let got = '';
      for (const chunk of randomChunks(text, next)) got += w.push(chunk).release;
      got += w.end().release;
      expect(got, JSON.stringify(text)).toBe(expected);
    }
  });

  it('blocks at the first violation the whole-text scan finds, having released only the text before it', () => {
    const next = rng(11);
    for (let c = 0; c < 300; c++) {
      const text = makeText(next);
      const first = new Scanner(block).findAll(text).find((f) => f.action === 'block');
      const w = new StreamWindow(block);
      let released = '';
      let violation;
      for (const chunk of randomChunks(text, next)) {
        const r = w.push(chunk);
        released += r.release;
        if ((violation = r.violation)) break;
      }
      if (!violation) {
        const r = w.end();
        released += r.release;
        violation = r.violation;
      }
      expect(violation?.rule, JSON.stringify(text)).toBe(first?.rule);
      expect(released, JSON.stringify(text)).toBe(first ? text.slice(0, first.start) : text);
    }
  });
});
