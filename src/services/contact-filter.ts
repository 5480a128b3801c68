import { AppError } from '../domain/errors.js';
import type { ContactStatus } from '../domain/contact.js';
import { parseRule } from '../domain/segment-parse.js';
import type { RuleNode } from '../domain/segment-rule.js';
import type { ContactFilter } from '../ports/contact-store.js';
import type { SegmentStore } from '../ports/segment-store.js';

/** Which contacts a list or export asks for, as the API and CLI name them. */
export interface ContactQuery {
  status?: ContactStatus;
  tag?: string;
  /** A saved segment's id. */
  segment?: string;
}

/** A saved segment's rule, checked; SEGMENT_NOT_FOUND (field `field`) when there is none. */
export async function segmentRule(segments: SegmentStore, id: string, field = 'segment'): Promise<RuleNode> {
  const s = await segments.getSegment(id);
  if (!s) throw new AppError('SEGMENT_NOT_FOUND', `${field}: no segment has the id "${id}"`, { field });
  return parseRule(s.rule);
}

/** The store filter for a query at `now` (segments resolved to their rules). */
export async function contactFilter(q: ContactQuery, segments: SegmentStore, now: number): Promise<ContactFilter> {
  const f: ContactFilter = { now };
  if (q.status) f.status = q.status;
  if (q.tag !== undefined) f.tag = q.tag;
  if (q.segment !== undefined) f.rule = await segmentRule(segments, q.segment);
  return f;
}

/** Cursors are contact ids (ULIDs): anything else is refused rather than silently restarting the list. */
export function checkedCursor(cursor: string | undefined): string | null {
  if (cursor === undefined) return null;
  if (!/^[0-9A-HJKMNP-TV-Z]{26}$/.test(cursor)) throw new AppError('VALIDATION_FAILED', 'cursor: is not a cursor this API returned', { field: 'cursor' });
  return cursor;
}
