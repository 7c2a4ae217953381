import { compileGuardrails, type Guardrail, type Rule } from '@tollgate/plugin-guardrails';

/** Rules of compiled guardrails, for windows and scanners. */
export function rulesOf(list: unknown[]): { guardrails: Guardrail[]; rules: Rule[] } {
  const { guardrails } = compileGuardrails(list);
  return { guardrails, rules: guardrails.flatMap((g) => (g.scanner ? [...g.scanner.rules] : [])) };
}

/** Split `text` into chunks of `size` characters. */
export function chunks(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}
