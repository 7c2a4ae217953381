export * from './http.js';
export * from './sse.js';
export * from './openai-errors.js';
export * from './openai-validate.js';
export * from './openai-reply.js';
export * from './openai-mock.js';
