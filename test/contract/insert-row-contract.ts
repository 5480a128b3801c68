// Both stores write new messages with their own fast INSERT (SQLite: the hot path's multi-row statement binding only
// the varying columns; PostgreSQL: INSERT … SELECT FROM unnest), while every other write goes through messageToRow.
// This checks that the two write the very same row, column by column, for the kinds of message the contract suite
// uses, and that chunked inserts answer idempotency keys as one-by-one inserts would. Run per store by
// insert-row.sqlite.test.ts and insert-row.postgres.test.ts.
import { describe, it, expect, afterEach } from 'vitest';
import type { SqlStore } from '../../src/adapters/store/sql-store.js';
import { messageToRow } from '../../src/adapters/store/rows.js';
import { newMessage } from './store-contract.js';

export function describeInsertRowContract(name: string, make: () => Promise<{ store: SqlStore; cleanup: () => Promise<void> }>, skip = false): void {
  describe.skipIf(skip)(`new message rows: ${name}`, () => {
    let cleanup: (() => Promise<void>) | undefined;
    afterEach(async () => {
      await cleanup?.();
      cleanup = undefined;
    });
    const open = async (): Promise<SqlStore> => {
      const made = await make();
      cleanup = made.cleanup;
      await made.store.migrate();
      return made.store;
    };

    it('are the row messageToRow describes, column by column', async () => {
      const s = await open();
      const db = s.sqlContext().db;
      const kinds = [
        newMessage(),
        newMessage({ toName: 'Ada Lovelace', fromName: 'Shop', replyTo: 'help@shop.test', templateId: null, templateVersion: null, subject: 'Hi {{ x }}', html: '<p>é</p>', text: 'é', variables: { x: 1, nested: { a: [1, 'b'] } }, headers: { 'X-A': 'b' }, tags: ['t1', 't2'], idempotencyKey: 'k-1', apiKeyId: 'key', priority: 0, maxAttempts: 7, senderPool: 'pool-a' }),
      ];
      for (const m of kinds) {
        const viaHotPath = { ...m };
        const viaKysely = { ...m, id: `${m.id}-k`, idempotencyKey: m.idempotencyKey ? `${m.idempotencyKey}-k` : null };
        await s.insertMessages([viaHotPath]);
        await db.insertInto('messages').values(messageToRow(viaKysely)).execute();
        const a = await db.selectFrom('messages').selectAll().where('id', '=', viaHotPath.id).executeTakeFirstOrThrow();
        const b = await db.selectFrom('messages').selectAll().where('id', '=', viaKysely.id).executeTakeFirstOrThrow();
        expect({ ...a, id: null, idempotency_key: null }).toEqual({ ...b, id: null, idempotency_key: null });
        expect(a.idempotency_key).toBe(m.idempotencyKey);
      }
    });

    it('are the same rows when a whole batch shares everything but recipient and variables (SQLite binds that once)', async () => {
      const s = await open();
      const db = s.sqlContext().db;
      const shared = { toName: null, fromName: 'Shop', replyTo: 'help@shop.test', templateId: null, templateVersion: null, subject: 'Hi {{ x }}', html: '<p>é</p>', text: 'é', headers: { 'X-A': 'b' }, tags: ['t1'], idempotencyKey: null, apiKeyId: 'key', priority: 1, maxAttempts: 5, senderPool: 'pool-a', dueAt: 1_800_000_000_000, createdAt: 1_700_000_000_000 };
      // 60 rows: two uniform statements of 25 and 10 rows one by one (SQLite); one statement (PostgreSQL).
      const batch = Array.from({ length: 60 }, (_, i) => newMessage({ ...shared, toAddress: `u${i}@example.org`, toDomain: 'example.org', toName: i % 2 ? `U ${i}` : null, variables: { i } }));
      expect((await s.insertMessages(batch)).every((r, i) => r.id === batch[i]!.id && !r.duplicate)).toBe(true);
      for (const m of [batch[0]!, batch[31]!, batch[59]!]) {
        const viaKysely = { ...m, id: `${m.id}-k` };
        await db.insertInto('messages').values(messageToRow(viaKysely)).execute();
        const a = await db.selectFrom('messages').selectAll().where('id', '=', m.id).executeTakeFirstOrThrow();
        const b = await db.selectFrom('messages').selectAll().where('id', '=', viaKysely.id).executeTakeFirstOrThrow();
        expect({ ...a, id: null }).toEqual({ ...b, id: null });
      }
    });

    it('in chunks, answers repeated idempotency keys (in the batch and already stored) with the first id', async () => {
      const s = await open();
      const [stored] = await s.insertMessages([newMessage({ idempotencyKey: 'stored' })]);
      // 60 messages (SQLite: two statements of 25 rows and 10 of one; PostgreSQL: one statement); keys repeat inside a
      // statement, across statements and with the stored one.
      const batch = Array.from({ length: 60 }, (_, i) => newMessage({ idempotencyKey: i % 7 === 0 ? 'stored' : i % 5 === 0 ? `k${i % 20}` : null }));
      const res = await s.insertMessages(batch);
      const firstOf = new Map<string, string>([['stored', stored!.id]]);
      batch.forEach((m, i) => {
        const key = m.idempotencyKey;
        if (key && firstOf.has(key)) expect(res[i]).toEqual({ id: firstOf.get(key), duplicate: true });
        else {
          expect(res[i]).toEqual({ id: m.id, duplicate: false });
          if (key) firstOf.set(key, m.id);
        }
      });
      const rows = await s.sqlContext().db.selectFrom('messages').select(({ fn }) => fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      expect(Number(rows.n)).toBe(1 + res.filter((r) => !r.duplicate).length);
    });
  });
}
