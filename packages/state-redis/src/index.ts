export { RedisSharedState, type RedisSharedStateOptions } from './redis-state.js';
export { redisStatePlugin, type RedisStatePluginOptions } from './plugin.js';
export { redisStatePlugin as default } from './plugin.js';
