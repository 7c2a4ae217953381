export { RedisSharedState, type RedisSharedStateOptions } from './redis-state.js';
export { connectRedis, type RedisConnection } from './connect.js';
export { redisStatePlugin, redisConnection, type RedisStatePluginOptions } from './plugin.js';
export { redisStatePlugin as default } from './plugin.js';
