/** ["model_list", 2, "params", "model"] -> "model_list[2].params.model" */
export function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number' || /^\d+$/.test(p)) out += `[${p}]`;
    else out += out ? `.${p}` : p;
  }
  return out;
}

/** Ajv instancePath "/model_list/2/params/model" -> "model_list[2].params.model" */
export function formatPointer(pointer: string): string {
  if (!pointer) return '';
  return formatPath(pointer.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~')));
}
