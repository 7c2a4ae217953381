import { pino } from 'pino';
import { Gateway, type ModelEntry, type Plugin } from '@tollgate/core';
import mock from '@tollgate/adapter-mock';

export const silent = pino({ level: 'silent' });

export async function gatewayWith(models: ModelEntry[], plugins: Plugin[] = [], extra: Partial<ConstructorParameters<typeof Gateway>[0] & object> = {}): Promise<Gateway> {
  const g = new Gateway({ logger: silent, ...extra, config: { model_list: models, ...(extra.config ?? {}) } });
  await g.use(mock);
  for (const p of plugins) await g.use(p);
  await g.start();
  return g;
}

export const user = (content: string) => ({ role: 'user' as const, content });

export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** Resolves after pending account taps (scheduled with setImmediate) have run. */
export const settle = () => new Promise((r) => setTimeout(r, 20));
