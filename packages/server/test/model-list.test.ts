import { afterEach, describe, expect, it } from 'vitest';
import { startServer, type Running } from './helpers.js';

describe("/v1/models with LiteLLM's access-group parameters", () => {
  let s: Running;
  afterEach(async () => s?.close());

  it('lists access groups with include_model_access_groups, alone with only_model_access_groups, none otherwise', async () => {
    s = await startServer({
      model_list: [
        { model_name: 'a', litellm_params: { model: 'mock/a' }, model_info: { access_groups: ['beta'] } },
        { model_name: 'b', litellm_params: { model: 'mock/b' } },
      ],
    });
    const ids = async (q: string) => ((await (await fetch(`${s.url}/v1/models${q}`)).json()) as { data: Array<{ id: string }> }).data.map((m) => m.id);
    expect(await ids('')).toEqual(['a', 'b']);
    expect(await ids('?include_model_access_groups=True')).toEqual(['a', 'b', 'beta']);
    expect(await ids('?only_model_access_groups=True')).toEqual(['beta']);
    expect(await ids('?only_model_access_groups=false')).toEqual(['a', 'b']);
  });
});
