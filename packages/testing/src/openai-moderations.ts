/**
 * The Moderations endpoint (`POST /v1/moderations`) for the OpenAI mock: `input` (a string, strings,
 * or text and image_url parts) and an optional `model`, as the API reference and the openai npm
 * package's `ModerationCreateParams` have them; the omni models' categories, scores and applied input
 * types. The retired text-moderation models get OpenAI's 400 "please request omni-moderation-latest"
 * (quoted in langgenius/dify#28117). A text is flagged when it says one of a few trigger words.
 */
import { badRequest, checkKeys, checkType, invalidType, invalidValue, isObject, missingParam, openAIError } from './openai-errors.js';
import { hashId } from './openai-reply.js';
import { checkModel, checkTopLevel, type ChatValidationOptions } from './openai-validate.js';
import type { HttpError } from './http.js';

export const MODERATION_PARAMS: readonly string[] = ['input', 'model'];
export const MODERATION_MODELS: readonly string[] = ['omni-moderation-latest', 'omni-moderation-2024-09-26'];
export const DEFAULT_MODERATION_MODEL = 'omni-moderation-latest';

/** The omni categories; those also scored on images carry 'image' in their applied input types. */
const CATEGORIES: Readonly<Record<string, { image: boolean }>> = {
  harassment: { image: false },
  'harassment/threatening': { image: false },
  hate: { image: false },
  'hate/threatening': { image: false },
  illicit: { image: false },
  'illicit/violent': { image: false },
  'self-harm': { image: true },
  'self-harm/intent': { image: true },
  'self-harm/instructions': { image: true },
  sexual: { image: true },
  'sexual/minors': { image: false },
  violence: { image: true },
  'violence/graphic': { image: true },
};

/** Words that flag a text in the mock, by category. */
const TRIGGERS: ReadonlyArray<[string, RegExp]> = [
  ['violence', /\b(kill|murder)\b/i],
  ['harassment', /\b(idiot|loser)\b/i],
  ['self-harm', /\bhurt myself\b/i],
];

export function validateModeration(body: Record<string, any>, opts: Pick<ChatValidationOptions, 'rejectParams'>): void {
  checkTopLevel(body, MODERATION_PARAMS, opts.rejectParams);
  checkModel(body.model, false);
  const input = body.input;
  if (input === undefined || input === null) throw missingParam('input');
  if (typeof input === 'string') return;
  if (!Array.isArray(input)) throw invalidType('input', 'one of a string, array of strings, or array of objects', input);
  if (input.length === 0) throw badRequest("Invalid 'input': empty array. Expected an array with minimum length 1, but got an empty array instead.", 'input', 'empty_array');
  if (input.every((x) => typeof x === 'string')) return;
  input.forEach((part, i) => {
    const p = `input[${i}]`;
    if (!isObject(part)) throw invalidType(p, 'an object', part);
    if (part.type === undefined || part.type === null) throw missingParam(`${p}.type`);
    if (part.type !== 'text' && part.type !== 'image_url') throw invalidValue(`${p}.type`, part.type, ['text', 'image_url']);
    if (part.type === 'text') {
      checkKeys(p, part, ['type', 'text']);
      if (part.text === undefined || part.text === null) throw missingParam(`${p}.text`);
      checkType(`${p}.text`, part.text, 'string');
      return;
    }
    checkKeys(p, part, ['type', 'image_url']);
    if (!isObject(part.image_url)) throw part.image_url == null ? missingParam(`${p}.image_url`) : invalidType(`${p}.image_url`, 'an object', part.image_url);
    checkKeys(`${p}.image_url`, part.image_url, ['url']);
    if (part.image_url.url == null) throw missingParam(`${p}.image_url.url`);
    checkType(`${p}.image_url.url`, part.image_url.url, 'string');
  });
}

/** A model this endpoint does not serve, or null when it serves it. */
export function moderationModelError(model: string): HttpError | null {
  if (MODERATION_MODELS.includes(model)) return null;
  if (model.startsWith('text-moderation')) return openAIError(400, 'please request omni-moderation-latest', 'model');
  return openAIError(404, `The model \`${model}\` does not exist or you do not have access to it.`, null, 'model_not_found');
}

type Item = { text: string; image: boolean };

/** What is classified: each string on its own; a list of parts as one item. */
function itemsOf(input: string | string[] | Array<Record<string, any>>): Item[] {
  if (typeof input === 'string') return [{ text: input, image: false }];
  if (input.every((x) => typeof x === 'string')) return (input as string[]).map((text) => ({ text, image: false }));
  const parts = input as Array<Record<string, any>>;
  return [{ text: parts.filter((p) => p.type === 'text').map((p) => p.text).join('\n'), image: parts.some((p) => p.type === 'image_url') }];
}

function result(item: Item): Record<string, unknown> {
  const flagged = new Set(TRIGGERS.filter(([, re]) => re.test(item.text)).map(([c]) => c));
  const categories: Record<string, boolean> = {};
  const scores: Record<string, number> = {};
  const applied: Record<string, string[]> = {};
  for (const [name, { image }] of Object.entries(CATEGORIES)) {
    categories[name] = flagged.has(name);
    scores[name] = flagged.has(name) ? 0.91 : 0.0001;
    applied[name] = item.image && image ? ['text', 'image'] : ['text'];
  }
  return { flagged: flagged.size > 0, categories, category_scores: scores, category_applied_input_types: applied };
}

export function moderationResponse(body: Record<string, any>, model: string, seq: number): Record<string, unknown> {
  return { id: `modr-${hashId(`${seq}|${JSON.stringify(body.input)}`, 24)}`, model, results: itemsOf(body.input).map(result) };
}
