import { planImportBatch, type StoredContactHead } from '../../domain/contact-import-plan.js';
import type { ContactStatus } from '../../domain/contact.js';
import type { RowError } from '../../domain/csv-mapping.js';
import type { ImportBatch, ImportJob, ImportState } from '../../ports/contact-store.js';
import type { ContactsTable } from './schema.js';
import type { Db } from './sql-context.js';
import { rowToImport } from './contact-rows.js';

/** Row errors kept per import (the job's `failed` counts every one). */
export const MAX_STORED_ERRORS = 1000;
// Contacts per multi-row upsert: 12 parameters a row, far under both dialects' limits.
const CHUNK = 500;

/** Insert a new import job. */
export async function createImport(db: Db, job: ImportJob): Promise<void> {
  await db.insertInto('contact_imports').values({
    id: job.id, state: job.state, source: job.source, total_rows: job.totalRows, rows_read: job.rowsRead, inserted: job.inserted,
    updated: job.updated, failed: job.failed, error: job.error ? JSON.stringify(job.error) : null, options: JSON.stringify(job.options),
    created_at: job.createdAt, updated_at: job.updatedAt, finished_at: job.finishedAt,
  }).execute();
}

/** One import job, or null. */
export async function getImport(db: Db, id: string): Promise<ImportJob | null> {
  const row = await db.selectFrom('contact_imports').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? rowToImport(row) : null;
}

/** Move a job to `state`; completed and failed stamp finished_at. */
export async function setImportState(db: Db, id: string, state: ImportState, now: number, f: { totalRows?: number; error?: ImportJob['error']; failed?: number }): Promise<void> {
  await db.updateTable('contact_imports').set({
    state,
    updated_at: now,
    ...(f.totalRows !== undefined ? { total_rows: f.totalRows } : {}),
    ...(f.failed !== undefined ? { failed: f.failed } : {}),
    ...(f.error !== undefined ? { error: f.error ? JSON.stringify(f.error) : null } : {}),
    ...(state === 'completed' || state === 'failed' ? { finished_at: now } : {}),
  }).where('id', '=', id).execute();
}

/** The first `limit` stored row errors of a job, by line. */
export async function listImportErrors(db: Db, id: string, limit: number): Promise<RowError[]> {
  const rows = await db.selectFrom('contact_import_errors').select(['line', 'field', 'message']).where('import_id', '=', id).orderBy('line').limit(limit).execute();
  return rows.map((r) => ({ line: Number(r.line), field: r.field, message: r.message }));
}

/**
 * One import batch inside the caller's transaction: read the stored contacts the rows name, plan the merge
 * (planImportBatch), upsert the contacts by email, add their tags, keep the first errors, advance the job.
 */
export async function applyImportBatch(trx: Db, b: ImportBatch): Promise<{ inserted: number; updated: number; failed: number }> {
  const stored = new Map<string, StoredContactHead>();
  const emails = [...new Set(b.rows.map((r) => r.email))];
  for (let i = 0; i < emails.length; i += CHUNK) {
    const found = await trx.selectFrom('contacts').select(['id', 'email', 'external_id', 'first_name', 'last_name', 'company', 'status', 'attributes'])
      .where('email', 'in', emails.slice(i, i + CHUNK)).execute();
    for (const r of found) {
      stored.set(r.email, {
        id: r.id, email: r.email, externalId: r.external_id, firstName: r.first_name, lastName: r.last_name, company: r.company,
        status: r.status as ContactStatus, attributes: JSON.parse(r.attributes) as Record<string, unknown>,
      });
    }
  }
  const owners = new Map<string, string>();
  const externals = [...new Set(b.rows.map((r) => r.externalId).filter((x): x is string => x !== undefined))];
  for (let i = 0; i < externals.length; i += CHUNK) {
    const found = await trx.selectFrom('contacts').select(['external_id', 'email']).where('external_id', 'in', externals.slice(i, i + CHUNK)).execute();
    for (const r of found) owners.set(r.external_id!, r.email);
  }

  const plan = planImportBatch(b.rows, stored, owners, b.tags);
  const ids = new Map<string, string>();
  for (let i = 0; i < plan.contacts.length; i += CHUNK) {
    const values: ContactsTable[] = plan.contacts.slice(i, i + CHUNK).map((c) => ({
      id: c.id, email: c.email, external_id: c.externalId, first_name: c.firstName, last_name: c.lastName, company: c.company,
      attributes: JSON.stringify(c.attributes), status: c.status, engagement_milli: 0, last_engagement: null, created_at: b.now, updated_at: b.now,
    }));
    // Upsert by email: a contact stored by someone else since the read above is updated, not duplicated.
    const written = await trx.insertInto('contacts').values(values)
      .onConflict((oc) => oc.column('email').doUpdateSet((eb) => ({
        external_id: eb.ref('excluded.external_id'),
        first_name: eb.ref('excluded.first_name'),
        last_name: eb.ref('excluded.last_name'),
        company: eb.ref('excluded.company'),
        status: eb.ref('excluded.status'),
        attributes: eb.ref('excluded.attributes'),
        updated_at: eb.ref('excluded.updated_at'),
      })))
      .returning(['id', 'email'])
      .execute();
    for (const w of written) ids.set(w.email, w.id);
  }
  const pairs = plan.tags.map((t) => ({ tag: t.tag, contact_id: ids.get(t.email)! }));
  for (let i = 0; i < pairs.length; i += CHUNK) {
    await trx.insertInto('contact_tags').values(pairs.slice(i, i + CHUNK)).onConflict((oc) => oc.columns(['tag', 'contact_id']).doNothing()).execute();
  }

  const errors = [...b.errors, ...plan.errors].sort((x, y) => x.line - y.line);
  const job = await trx.selectFrom('contact_imports').select('failed').where('id', '=', b.importId).executeTakeFirstOrThrow();
  const room = Math.max(0, MAX_STORED_ERRORS - Number(job.failed));
  const kept = errors.slice(0, room).map((e) => ({ import_id: b.importId, line: e.line, field: e.field, message: e.message.slice(0, 500) }));
  for (let i = 0; i < kept.length; i += CHUNK) await trx.insertInto('contact_import_errors').values(kept.slice(i, i + CHUNK)).execute();
  await trx.updateTable('contact_imports').set((eb) => ({
    rows_read: b.rowsRead,
    inserted: eb('inserted', '+', plan.inserted),
    updated: eb('updated', '+', plan.updated),
    failed: eb('failed', '+', errors.length),
    updated_at: b.now,
  })).where('id', '=', b.importId).execute();
  return { inserted: plan.inserted, updated: plan.updated, failed: errors.length };
}
