import type { Contact, ContactStatus } from '../../domain/contact.js';
import type { ImportJob, ImportState } from '../../ports/contact-store.js';
import type { SegmentRecord } from '../../ports/segment-store.js';
import type { ContactImportsTable, ContactsTable, SegmentsTable } from './schema.js';

/** A `contacts` row and its tags as a Contact. */
export function rowToContact(r: ContactsTable, tags: string[]): Contact {
  return {
    id: r.id,
    email: r.email,
    externalId: r.external_id,
    firstName: r.first_name,
    lastName: r.last_name,
    company: r.company,
    tags,
    attributes: JSON.parse(r.attributes) as Record<string, unknown>,
    status: r.status as ContactStatus,
    engagementMilli: Number(r.engagement_milli),
    lastEngagement: r.last_engagement === null ? null : Number(r.last_engagement),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

/** A `contact_imports` row as an ImportJob. */
export function rowToImport(r: ContactImportsTable): ImportJob {
  return {
    id: r.id,
    state: r.state as ImportState,
    source: r.source,
    totalRows: r.total_rows === null ? null : Number(r.total_rows),
    rowsRead: Number(r.rows_read),
    inserted: Number(r.inserted),
    updated: Number(r.updated),
    failed: Number(r.failed),
    error: r.error === null ? null : (JSON.parse(r.error) as ImportJob['error']),
    options: JSON.parse(r.options) as ImportJob['options'],
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    finishedAt: r.finished_at === null ? null : Number(r.finished_at),
  };
}

/** A `segments` row as a SegmentRecord. */
export function rowToSegment(r: SegmentsTable): SegmentRecord {
  return { id: r.id, name: r.name, description: r.description, rule: JSON.parse(r.rule), createdAt: Number(r.created_at), updatedAt: Number(r.updated_at) };
}

/** Which unique key a driver error violated on `contacts` (email or external id), or null for any other error. */
export function contactUniqueViolation(err: unknown): 'email' | 'external_id' | null {
  const e = err as { code?: string; constraint?: string; message?: string };
  const text = `${e.constraint ?? ''} ${e.message ?? ''}`;
  const unique = e.code === '23505' || /UNIQUE constraint failed/.test(e.message ?? '');
  if (!unique) return null;
  if (/external_id/.test(text)) return 'external_id';
  if (/email/.test(text)) return 'email';
  return null;
}
