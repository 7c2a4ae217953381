import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { MASTER, engineOf, keysServer, spendLogs, testDatabase, type KeysServer } from './server.js';

/** A TCP relay to the shared PostgreSQL that a test can take down and bring back (the server itself is never touched). */
async function pgRelay(): Promise<{ port: number; down(): Promise<void>; up(): Promise<void>; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let server: Server;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve) => {
      server = createServer((client) => {
        const upstream = connect(5432, '127.0.0.1');
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => s.destroy());
        }
        client.pipe(upstream).pipe(client);
      });
      server.listen(port, '127.0.0.1', () => {
        port = (server.address() as { port: number }).port;
        resolve();
      });
    });
  const down = async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const s of sockets) s.destroy();
    await closed;
  };
  await listen();
  return { port, down, up: listen, close: async () => down().catch(() => undefined) };
}

describe('the database stopped mid-test (PostgreSQL)', () => {
  let s: KeysServer | undefined;
  let writer: KeysServer | undefined;
  afterEach(async () => {
    await writer?.stop();
    await s?.close();
  });

  it('keeps serving keys already seen, answers 503 for a key never seen, and writes the spend it kept once the database is back', async () => {
    const relay = await pgRelay();
    const db = testDatabase('postgres');
    try {
      s = await keysServer('postgres', { databaseUrl: db.url.replace(':5432/', `:${relay.port}/`) });
      // Another gateway on the same database makes a key this one has never seen.
      writer = await keysServer('postgres', { databaseUrl: db.url });
      const known = await s.key();
      const unseen = await writer.key();
      expect((await s.chat(known)).status).toBe(200);

      await relay.down();
      for (let i = 0; i < 3; i++) expect((await s.chat(known)).status).toBe(200);
      const refused = await s.chat(unseen);
      expect(refused.status).toBe(503);
      expect(refused.body.error).toMatchObject({ type: 'no_db_connection', message: 'The key database is unavailable; try again shortly.' });
      await expect(engineOf(s).flush()).rejects.toThrow();

      await relay.up();
      expect((await s.chat(unseen)).status).toBe(200);
      const rows = await spendLogs(s);
      expect(rows.filter((r) => r.status === 'success')).toHaveLength(5);
    } finally {
      await relay.close();
      await s?.close();
      s = undefined;
      await db.drop();
    }
  });
});
