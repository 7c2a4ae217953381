/**
 * Prompt-injection heuristics: phrases that try to override the system prompt, leak it, or
 * switch the model into an unrestricted persona, each with a weight. The score is the noisy-OR of
 * the weights of the distinct phrases found (1 - Π(1 - w)): one strong phrase is enough, several
 * weak ones add up. A cheap first line, not a classifier: paraphrases get through.
 */
export const INJECTION_PHRASES: ReadonlyArray<{ id: string; weight: number; pattern: string }> = [
  { id: 'ignore_previous', weight: 0.9, pattern: String.raw`\b(?:ignore|disregard|forget|skip|override)\s+(?:all\s+|any\s+|the\s+|your\s+|these\s+|those\s+)*(?:previous|prior|above|earlier|preceding|original|initial|system)\s+(?:instructions?|prompts?|rules|directions|directives|guidelines|context|messages?)` },
  { id: 'reveal_prompt', weight: 0.8, pattern: String.raw`\b(?:reveal|show|print|repeat|output|tell\s+me|display|leak|dump)\s+(?:me\s+)?(?:your|the)\s+(?:full\s+|entire\s+|exact\s+)?(?:system|initial|hidden|original|secret)\s+(?:prompt|instructions|message)` },
  { id: 'dan', weight: 0.8, pattern: String.raw`\b(?:do\s+anything\s+now|DAN\s+mode|jailbreak(?:ed)?\s+mode)\b` },
  { id: 'developer_mode', weight: 0.6, pattern: String.raw`\b(?:developer|god|sudo|admin)\s+mode\s+(?:enabled|on|activated)\b|\benable\s+(?:developer|god|sudo)\s+mode\b` },
  { id: 'no_restrictions', weight: 0.5, pattern: String.raw`\b(?:without|no|free\s+(?:of|from))\s+(?:any\s+)?(?:restrictions|filters|limitations|guidelines|censorship|safety\s+(?:rules|guidelines))\b` },
  { id: 'new_instructions', weight: 0.5, pattern: String.raw`\b(?:new|updated|real|actual)\s+instructions\s*:` },
  { id: 'role_markers', weight: 0.6, pattern: String.raw`<\|im_start\|>\s*system|<\|system\|>|\[\/?INST\]|<<SYS>>|^\s*#{2,}\s*system\s*:?\s*$` },
  { id: 'you_are_now', weight: 0.4, pattern: String.raw`\byou\s+are\s+(?:now|no\s+longer)\b` },
  { id: 'pretend', weight: 0.3, pattern: String.raw`\b(?:pretend|act\s+as\s+if)\s+(?:you\s+are|to\s+be|you're)\b` },
  { id: 'bypass', weight: 0.5, pattern: String.raw`\b(?:bypass|circumvent|disable)\s+(?:your|the|all)\s+(?:safety|content|security)\s+(?:filters?|rules|guidelines|checks|policies)` },
];

// One pass: each phrase is a capture group, so the index of the group that matched names it.
const COMBINED = new RegExp(INJECTION_PHRASES.map((p) => `(${p.pattern})`).join('|'), 'gim');

export interface InjectionScore {
  score: number;
  /** Ids of the phrases found. */
  matched: string[];
}

export function scorePromptInjection(text: string): InjectionScore {
  const seen = new Set<number>();
  COMBINED.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = COMBINED.exec(text)) !== null) {
    for (let g = 1; g < m.length; g++) {
      if (m[g] !== undefined) {
        seen.add(g - 1);
        break;
      }
    }
    if (m[0].length === 0) COMBINED.lastIndex++;
  }
  let keep = 1;
  const matched: string[] = [];
  for (const i of seen) {
    keep *= 1 - INJECTION_PHRASES[i].weight;
    matched.push(INJECTION_PHRASES[i].id);
  }
  return { score: 1 - keep, matched };
}
