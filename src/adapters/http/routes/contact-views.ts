import { Type, type Static } from '@sinclair/typebox';
import { CONTACT_STATUSES, type Contact } from '../../../domain/contact.js';
import { engagementScore } from '../../../domain/engagement.js';
import type { ContactActivity } from '../../../domain/contact-activity.js';
import type { SegmentRecord } from '../../../ports/segment-store.js';
import type { ImportReport } from '../../../services/import-contacts.js';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
const NullableString = Type.Union([Type.String(), Type.Null()]);

/** A contact as the API shows it. */
export const ContactSchema = Type.Object({
  id: Type.String(),
  email: Type.String(),
  external_id: NullableString,
  first_name: NullableString,
  last_name: NullableString,
  company: NullableString,
  tags: Type.Array(Type.String()),
  attributes: Type.Record(Type.String(), Type.Unknown()),
  status: Type.Union(CONTACT_STATUSES.map((s) => Type.Literal(s))),
  engagement_score: Type.Number({ description: 'Seed 000: open +0.1, click +0.3, conversion +1.0, unsubscribe −2.0, floored at 0' }),
  last_engagement: NullableString,
  created_at: Type.String(),
  updated_at: Type.String(),
}, { $id: 'Contact' });

/** Shape a contact for the API. */
export function contactView(c: Contact): Static<typeof ContactSchema> {
  return {
    id: c.id, email: c.email, external_id: c.externalId, first_name: c.firstName, last_name: c.lastName, company: c.company,
    tags: c.tags, attributes: c.attributes, status: c.status, engagement_score: engagementScore(c.engagementMilli),
    last_engagement: iso(c.lastEngagement), created_at: iso(c.createdAt)!, updated_at: iso(c.updatedAt)!,
  };
}

/** A page of contacts. */
export const ContactPageSchema = Type.Object({ data: Type.Array(ContactSchema), next_cursor: NullableString });

/** One activity row. */
export const ActivitySchema = Type.Object({ type: Type.String(), at: Type.String(), message_id: NullableString });

/** Shape an activity row for the API. */
export function activityView(a: ContactActivity): Static<typeof ActivitySchema> {
  return { type: a.type, at: iso(a.at)!, message_id: a.messageId };
}

/** A saved segment. */
export const SegmentSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: NullableString,
  rule: Type.Unknown(),
  created_at: Type.String(),
  updated_at: Type.String(),
});

/** Shape a segment for the API. */
export function segmentView(s: SegmentRecord): Static<typeof SegmentSchema> {
  return { id: s.id, name: s.name, description: s.description, rule: s.rule, created_at: iso(s.createdAt)!, updated_at: iso(s.updatedAt)! };
}

/** A contact import and its progress. */
export const ImportSchema = Type.Object({
  id: Type.String(),
  state: Type.Union(['validating', 'importing', 'completed', 'failed', 'interrupted'].map((s) => Type.Literal(s)), {
    description: 'validating (whole file checked, nothing written yet) → importing → completed | failed; interrupted = its process stopped',
  }),
  source: Type.String(),
  total_rows: Type.Union([Type.Integer(), Type.Null()], { description: 'Data rows in the file, once validation has counted them' }),
  rows_read: Type.Integer(),
  inserted: Type.Integer(),
  updated: Type.Integer(),
  failed: Type.Integer(),
  error: Type.Union([Type.Object({ code: Type.String(), message: Type.String(), field: Type.Optional(Type.String()), line: Type.Optional(Type.Integer()) }), Type.Null()]),
  errors: Type.Array(Type.Object({ line: Type.Integer(), field: NullableString, message: Type.String() }), { description: 'Row errors by line (the first 1,000 are kept)' }),
  options: Type.Object({ map: Type.Record(Type.String(), Type.String()), tags: Type.Array(Type.String()), strict: Type.Optional(Type.Boolean()) }),
  created_at: Type.String(),
  updated_at: Type.String(),
  finished_at: NullableString,
});

/** Shape an import report for the API. */
export function importView(j: ImportReport): Static<typeof ImportSchema> {
  return {
    id: j.id, state: j.state, source: j.source, total_rows: j.totalRows, rows_read: j.rowsRead, inserted: j.inserted, updated: j.updated, failed: j.failed,
    error: j.error, errors: j.errors, options: j.options, created_at: iso(j.createdAt)!, updated_at: iso(j.updatedAt)!, finished_at: iso(j.finishedAt),
  };
}
