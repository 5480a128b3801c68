import { sql, type Insertable } from 'kysely';
import { campaignMessageKey, type SkipReason } from '../../domain/campaign.js';
import type { CampaignCounts, CampaignMeasures } from '../../domain/campaign-stats.js';
import type { MaterialiseBatch, MaterialiseOutcome } from '../../ports/campaign-store.js';
import type { NewMessage } from '../../ports/store.js';
import type { CampaignRecipientsTable, MessagesTable } from './schema.js';
import type { Db } from './sql-context.js';
import { lockCampaign } from './campaign-lock.js';
import { insertMessagesPostgres } from './postgres-message-insert.js';
import { QUEUE_LEASED, QUEUE_WAITING, messageColumns, messageToRow } from './rows.js';

// Rows per multi-row INSERT (~40 parameters a message row stays under both dialects' parameter limits) and ids per IN (…).
const CHUNK = 500;
const NOT_FINAL = ['queued', 'deferred', 'sending'] as const;
const HELD_STATUSES = ['queued', 'deferred'] as const;

const chunks = <T>(xs: T[]): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += CHUNK) out.push(xs.slice(i, i + CHUNK));
  return out;
};

/**
 * The message row a campaign writes: held (queue_state NULL) until the runner releases it, tagged with its campaign
 * and its contact (whose activity its record writes).
 */
export function heldRow(m: NewMessage, campaignId: string, contactId: string): Insertable<MessagesTable> {
  return { ...messageToRow(m), queue_state: null, campaign_id: campaignId, contact_id: contactId };
}

/** The message re-aimed at the contact's current email when it changed between the page read and this batch. */
function withEmail(m: NewMessage, email: string): NewMessage {
  if (m.toAddress === email) return m;
  return { ...m, toAddress: email, toDomain: email.slice(email.lastIndexOf('@') + 1), variables: { ...m.variables, email } };
}

/**
 * One materialisation batch, inside the caller's write transaction: applies only while the campaign is running,
 * leased to `owner` and still at `afterId`. Re-reads each contact's status and the suppression list (the page was
 * read outside the transaction), writes recipients, held messages (idempotency key `campaign:<id>:<contact>`) and
 * the new checkpoint with the counters. Nothing is written when it does not apply.
 */
export async function materialise(trx: Db, dialect: 'sqlite' | 'postgres', b: MaterialiseBatch): Promise<MaterialiseOutcome> {
  const none: MaterialiseOutcome = { applied: false, created: 0, skipped: {} };
  const c = await lockCampaign(trx, dialect, b.campaignId);
  if (!c || c.status !== 'running' || c.runner_owner !== b.owner || c.checkpoint !== b.afterId || Number(c.audience_done) === 1) return none;

  const fresh = new Map<string, { status: string; email: string }>();
  for (const ids of chunks(b.candidates.map((x) => x.contactId))) {
    for (const r of await trx.selectFrom('contacts').select(['id', 'status', 'email']).where('id', 'in', ids).execute()) fresh.set(r.id, r);
  }
  const suppressed = new Set<string>();
  for (const addrs of chunks([...new Set([...fresh.values()].map((f) => f.email.toLowerCase()))])) {
    for (const r of await trx.selectFrom('suppressions').select('address').where('address', 'in', addrs).execute()) suppressed.add(r.address);
  }

  const skipped: Partial<Record<SkipReason, number>> = {};
  const recipients: CampaignRecipientsTable[] = [];
  const sendable: NewMessage[] = [];
  const contactOf = new Map<string, string>();
  for (const cand of b.candidates) {
    const f = fresh.get(cand.contactId);
    let reason: SkipReason | null = null;
    if (!f) reason = 'missing';
    else if (f.status !== 'subscribed') reason = f.status as SkipReason;
    else if (suppressed.has(f.email.toLowerCase())) reason = 'suppressed';
    if (reason) {
      skipped[reason] = (skipped[reason] ?? 0) + 1;
      recipients.push({ campaign_id: b.campaignId, contact_id: cand.contactId, message_id: null, skip_reason: reason, created_at: b.now });
      continue;
    }
    const m = withEmail(cand.message, f!.email);
    sendable.push(m);
    contactOf.set(m.id, cand.contactId);
    recipients.push({ campaign_id: b.campaignId, contact_id: cand.contactId, message_id: m.id, skip_reason: null, created_at: b.now });
  }

  let created = 0;
  const inserted = new Set<string>();
  for (const part of chunks(sendable)) {
    // DO NOTHING on the idempotency key: even a replayed batch cannot make a second message for a contact.
    const ids = dialect === 'postgres'
      ? await insertMessagesPostgres(trx, messageColumns(part), { campaignId: b.campaignId, contactIds: part.map((m) => contactOf.get(m.id)!) })
      : await trx.insertInto('messages').values(part.map((m) => heldRow(m, b.campaignId, contactOf.get(m.id)!))).onConflict((oc) => oc.doNothing()).returning('id').execute();
    for (const r of ids) inserted.add(r.id);
    created += ids.length;
  }
  if (inserted.size < sendable.length) {
    // A message already existed for some contact (only possible if recipients were removed by hand): point at it.
    const keys = sendable.filter((m) => !inserted.has(m.id)).map((m) => m.idempotencyKey!);
    const byKey = new Map<string, string>();
    for (const part of chunks(keys)) {
      for (const r of await trx.selectFrom('messages').select(['id', 'idempotency_key']).where('idempotency_key', 'in', part).execute()) byKey.set(r.idempotency_key!, r.id);
    }
    for (const r of recipients) {
      if (r.message_id && !inserted.has(r.message_id)) r.message_id = byKey.get(campaignMessageKey(b.campaignId, r.contact_id)) ?? null;
    }
  }
  for (const part of chunks(recipients)) {
    await trx.insertInto('campaign_recipients').values(part).onConflict((oc) => oc.columns(['campaign_id', 'contact_id']).doNothing()).execute();
  }

  const skippedTotal = Object.values(skipped).reduce((a, n) => a + n, 0);
  const inc = (reason: SkipReason) => sql<number>`${sql.ref(`skipped_${reason}`)} + ${skipped[reason] ?? 0}`;
  await trx.updateTable('campaigns').set({
    checkpoint: b.lastId,
    audience_done: b.exhausted ? 1 : 0,
    materialised: sql`materialised + ${created}`,
    skipped_unsubscribed: inc('unsubscribed'),
    skipped_bounced: inc('bounced'),
    skipped_complained: inc('complained'),
    skipped_suppressed: inc('suppressed'),
    skipped_missing: inc('missing'),
    // Once the audience is read to its end, targeted becomes exact: every contact materialised or skipped.
    targeted: b.exhausted
      ? sql`materialised + ${created} + skipped_unsubscribed + skipped_bounced + skipped_complained + skipped_suppressed + skipped_missing + ${skippedTotal}`
      : sql`targeted`,
    updated_at: b.now,
  }).where('id', '=', b.campaignId).execute();
  return { applied: true, created, skipped };
}

/** Hand up to `count` held messages (in id order) to the queue, due now or at their retry time; store the pacing state. */
export async function release(trx: Db, dialect: 'sqlite' | 'postgres', id: string, owner: string, count: number, now: number, tat: number): Promise<number> {
  const c = await lockCampaign(trx, dialect, id);
  if (!c || c.status !== 'running' || c.runner_owner !== owner) return 0;
  const pick = trx.selectFrom('messages').select('id')
    .where('campaign_id', '=', id).where('status', 'in', [...HELD_STATUSES]).where('queue_state', 'is', null)
    .orderBy('id').limit(count);
  const res = await trx.updateTable('messages')
    // A deferred message held by a pause keeps its retry time; a fresh one is due now.
    .set({ queue_state: QUEUE_WAITING, due_at: sql`CASE WHEN due_at > ${now} THEN due_at ELSE ${now} END`, updated_at: now })
    .where('id', 'in', pick).where('queue_state', 'is', null)
    .executeTakeFirst();
  await trx.updateTable('campaigns').set({ rate_tat: tat }).where('id', '=', id).execute();
  return Number(res.numUpdatedRows);
}

/** Take a campaign's waiting messages back out of the queue (held); leased ones finish their attempt. */
export async function holdWaiting(trx: Db, id: string, now: number): Promise<number> {
  const res = await trx.updateTable('messages').set({ queue_state: null, updated_at: now })
    .where('campaign_id', '=', id).where('status', 'in', [...HELD_STATUSES]).where('queue_state', '=', QUEUE_WAITING)
    .executeTakeFirst();
  return Number(res.numUpdatedRows);
}

const pausedIds = (db: Db) => db.selectFrom('campaigns').select('id').where('status', '=', 'paused');

/** True when some paused campaign has a message in the queue (a lease expired after the pause, say). */
export async function pausedWaiting(db: Db): Promise<boolean> {
  const row = await db.selectFrom('messages').select('id')
    .where('campaign_id', 'in', pausedIds(db)).where('status', 'in', [...HELD_STATUSES]).where('queue_state', '=', QUEUE_WAITING)
    .limit(1).executeTakeFirst();
  return row !== undefined;
}

/** Hold the waiting messages of every paused campaign. */
export async function holdPausedWaiting(trx: Db, now: number): Promise<number> {
  const res = await trx.updateTable('messages').set({ queue_state: null, updated_at: now })
    .where('campaign_id', 'in', pausedIds(trx)).where('status', 'in', [...HELD_STATUSES]).where('queue_state', '=', QUEUE_WAITING)
    .executeTakeFirst();
  return Number(res.numUpdatedRows);
}

/** Messages of the campaign not yet final (held, waiting or being sent). */
export async function unfinished(db: Db, id: string): Promise<number> {
  const r = await db.selectFrom('messages').select((eb) => eb.fn.countAll<number>().as('n'))
    .where('campaign_id', '=', id).where('status', 'in', [...NOT_FINAL]).executeTakeFirstOrThrow();
  return Number(r.n);
}

/**
 * Where the campaign's messages are. One statement, so the materialised counter and the per-status counts come
 * from one snapshot: `sent` is what remains of the materialised messages once every other state is counted,
 * which spares counting the (large) sent range of the index.
 */
export async function counts(db: Db, id: string, now: number): Promise<CampaignCounts> {
  const rows = await sql<{ status: string; queue_state: number | null; n: number | string; due: number | string | null }>`
    SELECT 'materialised' AS status, NULL AS queue_state, materialised AS n, 0 AS due FROM campaigns WHERE id = ${id}
    UNION ALL
    SELECT status, queue_state, COUNT(*) AS n, SUM(CASE WHEN queue_state = ${QUEUE_WAITING} AND due_at <= ${now} THEN 1 ELSE 0 END) AS due
    FROM messages
    WHERE campaign_id = ${id} AND status IN ('queued', 'deferred', 'sending', 'failed', 'bounced', 'suppressed', 'cancelled')
    GROUP BY status, queue_state`.execute(db);
  const c: CampaignCounts = { held: 0, waiting: 0, dueWaiting: 0, sending: 0, sent: 0, failed: 0, bounced: 0, suppressed: 0, cancelled: 0 };
  let materialised = 0;
  for (const r of rows.rows) {
    const n = Number(r.n);
    const q = r.queue_state === null ? null : Number(r.queue_state);
    if (r.status === 'materialised') materialised = n;
    else if (r.status === 'queued' || r.status === 'deferred') {
      if (q === null) c.held += n;
      else if (q === QUEUE_LEASED) c.sending += n;
      else {
        c.waiting += n;
        c.dueWaiting += Number(r.due ?? 0);
      }
    } else if (r.status === 'sending') c.sending += n;
    else c[r.status as 'failed' | 'bounced' | 'suppressed' | 'cancelled'] += n;
  }
  c.sent = Math.max(0, materialised - c.held - c.waiting - c.sending - c.failed - c.bounced - c.suppressed - c.cancelled);
  return c;
}

/** Opens and clicks (distinct messages with such an event) and the mean of sent_at − created_at over sent messages. */
export async function measures(db: Db, id: string): Promise<CampaignMeasures> {
  const avg = await db.selectFrom('messages').select((eb) => eb.fn.avg<number | string | null>(sql`sent_at - created_at`).as('avg'))
    .where('campaign_id', '=', id).where('status', '=', 'sent').executeTakeFirst();
  const events = await db.selectFrom('message_events as e').innerJoin('messages as m', 'm.id', 'e.message_id')
    .select(['e.type', (eb) => eb.fn.count<number>('e.message_id').distinct().as('n')])
    .where('m.campaign_id', '=', id).where('e.type', 'in', ['opened', 'clicked'])
    .groupBy('e.type').execute();
  const by = new Map(events.map((e) => [e.type, Number(e.n)]));
  const a = avg?.avg;
  return { opened: by.get('opened') ?? 0, clicked: by.get('clicked') ?? 0, avgSendMs: a === null || a === undefined ? null : Number(a) };
}
