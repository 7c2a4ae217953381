/** True when `"key":` is followed by something other than null (a cheap check, no JSON parse). */
export function hasNonNull(data: string, key: string): boolean {
  let i = data.indexOf(key);
  while (i !== -1) {
    let j = i + key.length;
    while (data.charCodeAt(j) === 32) j++;
    if (data.charCodeAt(j) === 58 /* : */) {
      j++;
      while (data.charCodeAt(j) === 32) j++;
      if (data.charCodeAt(j) !== 110 /* n */) return true;
    }
    i = data.indexOf(key, i + 1);
  }
  return false;
}

/** Must an OpenAI-format stream event be parsed (usage, a finish reason, or an error)? */
export function openAIEventNeedsParse(data: string): boolean {
  return hasNonNull(data, '"usage"') || hasNonNull(data, '"finish_reason"') || data.includes('"error"');
}
