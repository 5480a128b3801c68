import { sql, type Expression, type SqlBool } from 'kysely';
import { AppError } from '../../domain/errors.js';
import type { Contact, ContactStatus } from '../../domain/contact.js';
import type { ActivityType, CampaignActivity, ContactActivity, LastActivity } from '../../domain/contact-activity.js';
import { attributesProblem } from '../../domain/contact-text.js';
import { ENGAGEMENT_ACTIVITY, ENGAGEMENT_DELTA_MILLI, touchesLastEngagement, type EngagementType } from '../../domain/engagement.js';
import type { RowError } from '../../domain/csv-mapping.js';
import type { ContactFilter, ContactPatch, ContactStore, ImportBatch, ImportJob, ImportState, NewContact } from '../../ports/contact-store.js';
import type { ContactsTable } from './schema.js';
import type { Db, SqlContext } from './sql-context.js';
import { contactUniqueViolation, rowToContact } from './contact-rows.js';
import { ruleSql } from './segment-sql.js';
import { emailSearchQuery } from './contact-search-sql.js';
import * as imports from './contact-import-queries.js';

// Ids per IN (…) list: well under both dialects' bound-parameter limits.
const CHUNK = 500;

const exists = (field: 'email' | 'external_id', value: string) =>
  new AppError('CONTACT_EXISTS', `${field}: another contact already has ${field === 'email' ? 'the email' : 'the external id'} "${value}"`, { field });

/** The ContactStore over SQL, for SQLite and PostgreSQL alike, on the SqlContext of the main store. */
export class SqlContactStore implements ContactStore {
  constructor(private readonly ctx: SqlContext) {}

  async createContact(c: NewContact): Promise<Contact> {
    const row: ContactsTable = {
      id: c.id, email: c.email, external_id: c.externalId, first_name: c.firstName, last_name: c.lastName, company: c.company,
      attributes: JSON.stringify(c.attributes), status: c.status, engagement_milli: 0, last_engagement: null, created_at: c.createdAt, updated_at: c.createdAt,
    };
    return this.unique(() => this.ctx.writeTx(async (trx) => {
      await this.checkFree(trx, c.email, c.externalId, null);
      await trx.insertInto('contacts').values(row).execute();
      const tags = [...new Set(c.tags)].sort();
      if (tags.length) await trx.insertInto('contact_tags').values(tags.map((tag) => ({ tag, contact_id: c.id }))).execute();
      return rowToContact(row, tags);
    }));
  }

  getContact(id: string): Promise<Contact | null> {
    return this.one(this.ctx.db, 'id', id);
  }

  findContactByEmail(email: string): Promise<Contact | null> {
    return this.one(this.ctx.db, 'email', email);
  }

  findContactByExternalId(externalId: string): Promise<Contact | null> {
    return this.one(this.ctx.db, 'external_id', externalId);
  }

  async updateContact(id: string, patch: ContactPatch, now: number): Promise<Contact | null> {
    return this.unique(() => this.ctx.writeTx(async (trx) => {
      const cur = await trx.selectFrom('contacts').selectAll().where('id', '=', id).executeTakeFirst();
      if (!cur) return null;
      await this.checkFree(trx, patch.email !== undefined && patch.email !== cur.email ? patch.email : null,
        patch.externalId !== undefined && patch.externalId !== cur.external_id ? patch.externalId : null, id);
      let attributes = cur.attributes;
      if (patch.attributes) {
        const merged: Record<string, unknown> = JSON.parse(cur.attributes);
        for (const [k, v] of Object.entries(patch.attributes)) {
          if (v === null) delete merged[k];
          else merged[k] = v;
        }
        const p = attributesProblem(merged);
        if (p) throw new AppError('VALIDATION_FAILED', `${p[0]}: ${p[1]} once merged with the stored attributes`, { field: p[0] });
        attributes = JSON.stringify(merged);
      }
      const next: ContactsTable = {
        ...cur,
        email: patch.email ?? cur.email,
        external_id: patch.externalId !== undefined ? patch.externalId : cur.external_id,
        first_name: patch.firstName !== undefined ? patch.firstName : cur.first_name,
        last_name: patch.lastName !== undefined ? patch.lastName : cur.last_name,
        company: patch.company !== undefined ? patch.company : cur.company,
        status: patch.status ?? cur.status,
        attributes,
        updated_at: now,
      };
      await trx.updateTable('contacts').set(next).where('id', '=', id).execute();
      if (patch.tags) {
        await trx.deleteFrom('contact_tags').where('contact_id', '=', id).execute();
        const tags = [...new Set(patch.tags)];
        if (tags.length) await trx.insertInto('contact_tags').values(tags.map((tag) => ({ tag, contact_id: id }))).execute();
      }
      return rowToContact(next, await this.tagsOf(trx, id));
    }));
  }

  async deleteContact(id: string): Promise<boolean> {
    return this.ctx.writeTx(async (trx) => {
      // Explicit deletes rather than relying on ON DELETE CASCADE: SQLite enforces it only with foreign_keys on.
      await trx.deleteFrom('contact_tags').where('contact_id', '=', id).execute();
      await trx.deleteFrom('contact_activity').where('contact_id', '=', id).execute();
      const res = await trx.deleteFrom('contacts').where('id', '=', id).executeTakeFirst();
      return Number(res.numDeletedRows) > 0;
    });
  }

  async setStatusByEmail(email: string, status: ContactStatus, now: number): Promise<Contact | null> {
    return this.ctx.writeTx(async (trx) => {
      const row = await trx.updateTable('contacts').set({ status, updated_at: now }).where('email', '=', email).returningAll().executeTakeFirst();
      return row ? rowToContact(row, await this.tagsOf(trx, row.id)) : null;
    });
  }

  async pageContacts(filter: ContactFilter, afterId: string | null, limit: number): Promise<Contact[]> {
    let q = this.ctx.db.selectFrom('contacts').selectAll().where(this.filterSql(filter));
    if (afterId !== null) q = q.where('id', '>', afterId);
    const rows = await q.orderBy('id').limit(limit).execute();
    return this.withTags(this.ctx.db, rows);
  }

  async searchContacts(prefix: string, filter: ContactFilter, afterEmail: string | null, limit: number): Promise<Contact[]> {
    const { rows } = await emailSearchQuery(this.ctx.dialect, { prefix, afterEmail, filter: this.filterSql(filter), limit }).execute(this.ctx.db);
    return this.withTags(this.ctx.db, rows);
  }

  async countContacts(filter: ContactFilter): Promise<number> {
    const r = await this.ctx.db.selectFrom('contacts').select((eb) => eb.fn.countAll<number>().as('n')).where(this.filterSql(filter)).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async recordEngagement(contactId: string, type: EngagementType, at: number, messageId: string | null, status?: ContactStatus): Promise<Contact | null> {
    const delta = ENGAGEMENT_DELTA_MILLI[type];
    return this.ctx.writeTx(async (trx) => {
      // One UPDATE, so concurrent engagements add up (no read-modify-write); the same arithmetic as applyEngagement.
      const row = await trx.updateTable('contacts')
        .set({
          engagement_milli: sql`CASE WHEN engagement_milli + ${delta} < 0 THEN 0 ELSE engagement_milli + ${delta} END`,
          last_engagement: touchesLastEngagement(type) ? sql`CASE WHEN last_engagement IS NULL OR last_engagement < ${at} THEN ${at} ELSE last_engagement END` : sql`last_engagement`,
          status: status ?? sql`status`,
          updated_at: sql`CASE WHEN updated_at < ${at} THEN ${at} ELSE updated_at END`,
        })
        .where('id', '=', contactId)
        .returningAll()
        .executeTakeFirst();
      if (!row) return null;
      await trx.insertInto('contact_activity').values({ contact_id: contactId, type: ENGAGEMENT_ACTIVITY[type], at, message_id: messageId }).execute();
      return rowToContact(row, await this.tagsOf(trx, contactId));
    });
  }

  async recordActivity(rows: ContactActivity[]): Promise<void> {
    if (rows.length === 0) return;
    await this.ctx.writeTx(async (trx) => {
      for (let i = 0; i < rows.length; i += CHUNK) {
        const chunk = rows.slice(i, i + CHUNK);
        // Activity of a contact deleted meanwhile is dropped rather than failing the batch on the foreign key.
        const ids = [...new Set(chunk.map((r) => r.contactId))];
        const live = new Set((await trx.selectFrom('contacts').select('id').where('id', 'in', ids).execute()).map((r) => r.id));
        const values = chunk.filter((r) => live.has(r.contactId)).map((r) => ({ contact_id: r.contactId, type: r.type, at: r.at, message_id: r.messageId, campaign_id: r.campaignId ?? null }));
        if (values.length) await trx.insertInto('contact_activity').values(values).execute();
      }
    });
  }

  async lastActivity(contactId: string): Promise<LastActivity> {
    const rows = await this.ctx.db.selectFrom('contact_activity').select(['type', (eb) => eb.fn.max('at').as('last')]).where('contact_id', '=', contactId).groupBy('type').execute();
    const out: LastActivity = {};
    for (const r of rows) out[r.type as ActivityType] = Number(r.last);
    return out;
  }

  async lastCampaignActivity(contactId: string): Promise<CampaignActivity> {
    const rows = await this.ctx.db.selectFrom('contact_activity').select(['campaign_id', 'type', (eb) => eb.fn.max('at').as('last')])
      .where('contact_id', '=', contactId).where('campaign_id', 'is not', null).groupBy(['campaign_id', 'type']).execute();
    const out: CampaignActivity = {};
    for (const r of rows) (out[r.campaign_id!] ??= {})[r.type as ActivityType] = Number(r.last);
    return out;
  }

  async listActivity(contactId: string, limit: number, type?: ActivityType): Promise<ContactActivity[]> {
    let q = this.ctx.db.selectFrom('contact_activity').selectAll().where('contact_id', '=', contactId);
    if (type) q = q.where('type', '=', type);
    const rows = await q.orderBy('at', 'desc').orderBy('id', 'desc').limit(limit).execute();
    return rows.map((r) => ({ contactId: r.contact_id, type: r.type as ActivityType, at: Number(r.at), messageId: r.message_id, campaignId: r.campaign_id ?? null }));
  }

  createImport(job: ImportJob): Promise<void> {
    return imports.createImport(this.ctx.db, job);
  }

  getImport(id: string): Promise<ImportJob | null> {
    return imports.getImport(this.ctx.db, id);
  }

  setImportState(id: string, state: ImportState, now: number, fields: { totalRows?: number; error?: ImportJob['error']; failed?: number } = {}): Promise<void> {
    return this.ctx.writeTx((trx) => imports.setImportState(trx, id, state, now, fields));
  }

  applyImportBatch(batch: ImportBatch): Promise<{ inserted: number; updated: number; failed: number }> {
    return this.ctx.writeTx((trx) => imports.applyImportBatch(trx, batch));
  }

  listImportErrors(id: string, limit: number): Promise<RowError[]> {
    return imports.listImportErrors(this.ctx.db, id, limit);
  }

  /** The WHERE of a filter: every condition given must hold. */
  private filterSql(f: ContactFilter): Expression<SqlBool> {
    const parts: Expression<SqlBool>[] = [];
    if (f.status) parts.push(sql<SqlBool>`contacts.status = ${f.status}`);
    if (f.tag !== undefined) parts.push(sql<SqlBool>`EXISTS (SELECT 1 FROM contact_tags ct WHERE ct.contact_id = contacts.id AND ct.tag = ${f.tag})`);
    if (f.anyTags !== undefined) {
      parts.push(f.anyTags.length === 0 ? sql<SqlBool>`(1 = 0)` : sql<SqlBool>`EXISTS (SELECT 1 FROM contact_tags ct WHERE ct.contact_id = contacts.id AND ct.tag IN (${sql.join(f.anyTags)}))`);
    }
    if (f.rule) {
      if (f.now === undefined) throw new Error('ContactFilter.rule needs ContactFilter.now');
      parts.push(ruleSql(f.rule, this.ctx.dialect, f.now));
    }
    return parts.length === 0 ? sql<SqlBool>`(1 = 1)` : sql<SqlBool>`(${sql.join(parts, sql` AND `)})`;
  }

  private async one(db: Db, key: 'id' | 'email' | 'external_id', value: string): Promise<Contact | null> {
    const row = await db.selectFrom('contacts').selectAll().where(key, '=', value).executeTakeFirst();
    return row ? rowToContact(row, await this.tagsOf(db, row.id)) : null;
  }

  private async tagsOf(db: Db, id: string): Promise<string[]> {
    const rows = await db.selectFrom('contact_tags').select('tag').where('contact_id', '=', id).execute();
    // Sorted here, not by ORDER BY: PostgreSQL's collation would order differently from SQLite's bytes.
    return rows.map((r) => r.tag).sort();
  }

  /** Rows as contacts, with their tags fetched in one query per chunk. */
  private async withTags(db: Db, rows: ContactsTable[]): Promise<Contact[]> {
    const tags = new Map<string, string[]>();
    for (let i = 0; i < rows.length; i += CHUNK) {
      const ids = rows.slice(i, i + CHUNK).map((r) => r.id);
      const found = await db.selectFrom('contact_tags').select(['contact_id', 'tag']).where('contact_id', 'in', ids).execute();
      for (const t of found) {
        const list = tags.get(t.contact_id);
        if (list) list.push(t.tag);
        else tags.set(t.contact_id, [t.tag]);
      }
    }
    return rows.map((r) => rowToContact(r, (tags.get(r.id) ?? []).sort()));
  }

  /** CONTACT_EXISTS when another contact (not `self`) has the email or external id. */
  private async checkFree(trx: Db, email: string | null, externalId: string | null, self: string | null): Promise<void> {
    if (email !== null) {
      const other = await trx.selectFrom('contacts').select('id').where('email', '=', email).executeTakeFirst();
      if (other && other.id !== self) throw exists('email', email);
    }
    if (externalId !== null) {
      const other = await trx.selectFrom('contacts').select('id').where('external_id', '=', externalId).executeTakeFirst();
      if (other && other.id !== self) throw exists('external_id', externalId);
    }
  }

  /** Map a unique-index violation (a race the pre-check could not see, on PostgreSQL) to CONTACT_EXISTS. */
  private async unique<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      const which = contactUniqueViolation(err);
      if (which) throw new AppError('CONTACT_EXISTS', `${which}: another contact already has this ${which === 'email' ? 'email' : 'external id'}`, { field: which, cause: err });
      throw err;
    }
  }
}
