import { describe, expect, it } from 'vitest';
import { toEmbeddingResponse } from '@tollgate/core';

describe('toEmbeddingResponse', () => {
  it("builds OpenAI's list; base64 is little-endian float32, as the openai SDK decodes it", () => {
    const vectors = [[0.5, -1.25], [3, 0]];
    expect(toEmbeddingResponse(vectors, 'm', 7)).toEqual({
      object: 'list',
      data: [{ object: 'embedding', index: 0, embedding: [0.5, -1.25] }, { object: 'embedding', index: 1, embedding: [3, 0] }],
      model: 'm',
      usage: { prompt_tokens: 7, total_tokens: 7 },
    });
    const b64 = toEmbeddingResponse(vectors, 'm', 7, 'base64').data[1].embedding as string;
    const bytes = Buffer.from(b64, 'base64');
    expect([...new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4)]).toEqual([3, 0]);
  });
});
