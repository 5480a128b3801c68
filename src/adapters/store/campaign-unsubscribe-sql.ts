import { sql } from 'kysely';
import { campaignMessageKey } from '../../domain/campaign.js';
import { ENGAGEMENT_ACTIVITY, applyEngagement } from '../../domain/engagement.js';
import type { UnsubscribeOutcome, UnsubscribeRecord } from '../../ports/campaign-store.js';
import type { Db } from './sql-context.js';
import { addSuppressions } from './suppression-queries.js';
import { eventRow } from './rows.js';

/**
 * A one-click unsubscribe inside the caller's write transaction. The contact row is locked (FOR UPDATE on
 * PostgreSQL; SQLite's write transaction is already exclusive) so two clicks at once move the score once.
 * The address comes from the contact, or from the campaign's message when the contact was deleted meanwhile.
 */
export async function recordUnsubscribe(trx: Db, dialect: 'sqlite' | 'postgres', u: UnsubscribeRecord): Promise<UnsubscribeOutcome> {
  let q = trx.selectFrom('contacts').select(['id', 'email', 'status', 'engagement_milli', 'last_engagement', 'updated_at']).where('id', '=', u.contactId);
  if (dialect === 'postgres') q = q.forUpdate();
  const contact = await q.executeTakeFirst();
  const msg = await trx.selectFrom('messages').select(['id', 'to_address'])
    .where('idempotency_key', '=', campaignMessageKey(u.campaignId, u.contactId)).executeTakeFirst();
  const address = contact?.email ?? msg?.to_address ?? null;
  if (!address) return { address: null, changed: false };
  await addSuppressions(trx, [{ address, reason: 'unsubscribe', detail: `one-click unsubscribe from campaign ${u.campaignId}`, messageId: msg?.id ?? null, createdAt: u.at }]);
  if (!contact || contact.status !== 'subscribed') return { address: address.toLowerCase(), changed: false };

  const next = applyEngagement({ engagementMilli: Number(contact.engagement_milli), lastEngagement: contact.last_engagement === null ? null : Number(contact.last_engagement) }, 'unsubscribe', u.at);
  await trx.updateTable('contacts').set({
    status: 'unsubscribed',
    engagement_milli: next.engagementMilli,
    last_engagement: next.lastEngagement,
    updated_at: Math.max(Number(contact.updated_at), u.at),
  }).where('id', '=', u.contactId).execute();
  await trx.insertInto('contact_activity').values({ contact_id: u.contactId, type: ENGAGEMENT_ACTIVITY.unsubscribe, at: u.at, message_id: msg?.id ?? null, campaign_id: u.campaignId }).execute();
  await trx.updateTable('campaigns').set({ unsubscribed: sql`unsubscribed + 1` }).where('id', '=', u.campaignId).execute();
  if (msg) await trx.insertInto('message_events').values(eventRow(msg.id, 'unsubscribed', u.at, { campaign_id: u.campaignId, method: 'one-click' })).execute();
  return { address: address.toLowerCase(), changed: true };
}
