import { describe, it, expect } from 'vitest';
import { insertMessagesPostgres } from '../../src/adapters/store/postgres-message-insert.js';
import { messageColumns } from '../../src/adapters/store/rows.js';
import { heldRow } from '../../src/adapters/store/campaign-run-queries.js';
import { newMessage } from './store-contract.js';
import { postgresAvailable } from '../support/services.js';
import { tempPostgresStore } from '../support/temp-stores.js';
import { describeInsertRowContract } from './insert-row-contract.js';

const available = await postgresAvailable();

describeInsertRowContract('postgres', async () => {
  const { store, cleanup } = await tempPostgresStore();
  return {
    store,
    cleanup,
  };
}, !available);

// PostgreSQL only (SQLite's materialiser writes heldRow through Kysely itself): a campaign's held messages written
// through unnest are heldRow's rows, column by column.
describe.skipIf(!available)('held campaign messages: postgres', () => {
  it('are the rows heldRow describes, column by column', async () => {
    const { store, cleanup } = await tempPostgresStore(true);
    try {
      const k = store.sqlContext().db;
      const a = newMessage({ idempotencyKey: 'campaign:c1:contact-a', priority: 3, variables: { contact_id: 'contact-a', first_name: 'Ada' } });
      const b = { ...a, id: `${a.id}-k`, idempotencyKey: 'campaign:c1:contact-b' };
      await k.transaction().execute(async (trx) => {
        expect(await insertMessagesPostgres(trx, messageColumns([a]), { campaignId: 'c1', contactIds: ['contact-a'] })).toEqual([{ id: a.id }]);
        await trx.insertInto('messages').values(heldRow(b, 'c1', 'contact-a')).execute();
      });
      const ra = await k.selectFrom('messages').selectAll().where('id', '=', a.id).executeTakeFirstOrThrow();
      const rb = await k.selectFrom('messages').selectAll().where('id', '=', b.id).executeTakeFirstOrThrow();
      expect({ ...ra, id: null, idempotency_key: null }).toEqual({ ...rb, id: null, idempotency_key: null });
      expect(ra).toMatchObject({ queue_state: null, campaign_id: 'c1', contact_id: 'contact-a', status: 'queued' });
    } finally {
      await cleanup();
    }
  });
});
