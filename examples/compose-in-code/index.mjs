// A gateway built in code: the mock provider (offline), OpenAI when OPENAI_API_KEY is set, and an inline plugin.
import { Gateway } from '@tollgate/core';
import openai from '@tollgate/adapter-openai';
import mock from '@tollgate/adapter-mock';

const model_list = [{ model_name: 'local', params: { model: 'mock/echo', mock_response: 'Hello from the mock provider.' } }];
if (process.env.OPENAI_API_KEY) {
  model_list.push({ model_name: 'openai', params: { model: 'openai/gpt-4o-mini', api_key: process.env.OPENAI_API_KEY, api_base: process.env.OPENAI_BASE_URL ?? 'https://api.openai.com/v1' } });
}

const seen = { requests: 0, ok: 0, tagged: 0 };
const example = { // a plugin is a plain object: a name and apply(gateway, options)
  name: 'example',
  apply(gateway) {
    gateway.hooks.transformResponse.tap('example', (response, ctx) => { ctx.responseHeaders['x-example'] = 'compose-in-code'; return response; });
    gateway.hooks.account.tap('example', (ctx) => { seen.requests++; if (ctx.outcome === 'ok') seen.ok++; if (ctx.responseHeaders['x-example']) seen.tagged++; });
  },
};

const gateway = new Gateway({ config: { model_list, settings: { log_level: 'warn' } } });
await gateway.use(openai);
await gateway.use(mock);
await gateway.use(example);
await gateway.start();

const messages = [{ role: 'user', content: 'Say hello.' }];
for (const { id: model } of gateway.models().data) {
  const reply = await gateway.chat({ model, messages });
  console.log(`${model} non-streamed: ${reply.choices[0].message.content}`);
  let text = '';
  for await (const chunk of await gateway.chat({ model, messages, stream: true })) text += chunk.choices[0]?.delta?.content ?? '';
  console.log(`${model} streamed: ${text}`);
}
await gateway.close(); // waits for pending account taps
console.log(`account saw ${seen.requests} requests, ${seen.ok} ok, ${seen.tagged} tagged by transformResponse (streams skip it)`);
