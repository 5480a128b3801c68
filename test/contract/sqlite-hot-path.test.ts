// SQLite only: the hot path writes new messages with its own multi-row INSERT (src/adapters/store/sqlite/sqlite-hot-path.ts),
// while PostgreSQL and every other SQLite write go through messageToRow; this checks that the two write the very same
// row, column by column, for all the kinds of message the contract suite uses, and that chunked inserts answer each
// idempotency key as one-by-one inserts would.
import { describe, it, expect, afterEach } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../src/adapters/store/sqlite/sqlite-store.js';
import { messageToRow } from '../../src/adapters/store/rows.js';
import { newMessage } from './store-contract.js';

let dir = '';
let store: SqliteStore | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
  rmSync(dir, { recursive: true, force: true });
});

async function open(): Promise<SqliteStore> {
  dir = mkdtempSync(join(tmpdir(), 'pf-hot-'));
  store = SqliteStore.open(join(dir, 'test.db'));
  await store.migrate();
  return store;
}

describe('SQLite hot path inserts', () => {
  it('write the row messageToRow describes, column by column', async () => {
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

  it('in chunks, answers repeated idempotency keys (in the batch and already stored) with the first id', async () => {
    const s = await open();
    const [stored] = await s.insertMessages([newMessage({ idempotencyKey: 'stored' })]);
    // 60 messages: two full chunks of 25 and 10 one by one; keys repeat inside a chunk, across chunks and with the stored one.
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
