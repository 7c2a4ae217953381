import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateText, streamText, embedMany, tool, jsonSchema, stepCountIs } from 'ai';
import { createOpenAI } from '@ai-sdk/openai';
import { ChatOpenAI, OpenAIEmbeddings } from '@langchain/openai';
import OpenAI from 'openai';
import { startServer, type Running } from './helpers.js';

let tg: Running;
beforeAll(async () => {
  tg = await startServer({
    model_list: [
      { model_name: 'gpt-4o-mini', params: { model: 'mock/gpt-4o-mini', mock_stream_chunks: 3 } },
      { model_name: 'text-embedding-3-small', params: { model: 'mock/emb', mock_embedding_dimensions: 6 } },
    ],
    general_settings: { master_key: 'sk-master-1234' },
  });
});
afterAll(async () => { await tg.close(); });

describe('Vercel AI SDK as a client', () => {
  const provider = () => createOpenAI({ baseURL: `${tg.url}/v1`, apiKey: 'sk-master-1234' });

  it('generateText and streamText', async () => {
    const model = provider().chat('gpt-4o-mini');
    const { text, usage, finishReason } = await generateText({ model, prompt: 'hello vercel' });
    expect(text).toBe('hello vercel');
    expect(finishReason).toBe('stop');
    expect(usage.inputTokens).toBeGreaterThan(0);
    const result = streamText({ model, prompt: 'streaming words here' });
    let streamed = '';
    for await (const part of result.textStream) streamed += part;
    expect(streamed).toBe('streaming words here');
    expect((await result.usage).outputTokens).toBeGreaterThan(0);
  });

  it('tool calls', async () => {
    const model = provider().chat('gpt-4o-mini');
    const { toolCalls } = await generateText({
      model,
      prompt: 'use the tool',
      tools: { lookup: tool({ description: 'look up', inputSchema: jsonSchema<{ input: string }>({ type: 'object', properties: { input: { type: 'string' } } }) }) },
      stopWhen: stepCountIs(1),
    });
    expect(toolCalls[0].toolName).toBe('lookup');
    expect(toolCalls[0].input).toEqual({ input: 'use the tool' });
  });

  it('embeddings', async () => {
    const { embeddings } = await embedMany({ model: provider().textEmbeddingModel('text-embedding-3-small'), values: ['a', 'b', 'c'] });
    expect(embeddings).toHaveLength(3);
    expect(embeddings[0]).toHaveLength(6);
  });
});

describe('LangChain JS as a client', () => {
  const config = () => ({ configuration: { baseURL: `${tg.url}/v1` }, apiKey: 'sk-master-1234' });

  it('invoke and stream', async () => {
    const llm = new ChatOpenAI({ model: 'gpt-4o-mini', ...config(), maxRetries: 0 });
    const msg = await llm.invoke('hello langchain');
    expect(msg.content).toBe('hello langchain');
    let streamed = '';
    for await (const chunk of await llm.stream('streamed via langchain')) streamed += chunk.content as string;
    expect(streamed).toBe('streamed via langchain');
  });

  it('tool binding', async () => {
    const llm = new ChatOpenAI({ model: 'gpt-4o-mini', ...config(), maxRetries: 0 }).bindTools([
      { type: 'function', function: { name: 'search', description: 's', parameters: { type: 'object', properties: { input: { type: 'string' } } } } },
    ]);
    const msg = await llm.invoke('find this');
    expect(msg.tool_calls?.[0]).toMatchObject({ name: 'search', args: { input: 'find this' } });
  });

  it('embeddings', async () => {
    const emb = new OpenAIEmbeddings({ model: 'text-embedding-3-small', ...config() });
    const vectors = await emb.embedDocuments(['x', 'y']);
    expect(vectors).toHaveLength(2);
  });
});

describe('master key', () => {
  it('refuses a missing or wrong key with 401, accepts Bearer and x-api-key', async () => {
    const wrong = new OpenAI({ baseURL: `${tg.url}/v1`, apiKey: 'sk-wrong', maxRetries: 0 });
    await expect(wrong.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] })).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    await expect(wrong.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    const none = await fetch(`${tg.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }) });
    expect(none.status).toBe(401);
    const body = (await none.json()) as { error: { message: string; type: string } };
    expect(body.error.type).toBe('authentication_error');
    expect(JSON.stringify(body)).not.toContain('sk-master-1234');
    const xkey = await fetch(`${tg.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': 'sk-master-1234' }, body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }) });
    expect(xkey.status).toBe(200);
  });
});
