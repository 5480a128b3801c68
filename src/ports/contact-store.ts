import type { Contact, ContactStatus } from '../domain/contact.js';
import type { ActivityType, CampaignActivity, ContactActivity, LastActivity } from '../domain/contact-activity.js';
import type { EngagementType } from '../domain/engagement.js';
import type { IdentifiedRow } from '../domain/contact-import-plan.js';
import type { RowError } from '../domain/csv-mapping.js';
import type { RuleNode } from '../domain/segment-rule.js';

/** A contact to create (the store adds engagement 0 and the times). */
export type NewContact = Pick<Contact, 'id' | 'email' | 'externalId' | 'firstName' | 'lastName' | 'company' | 'tags' | 'attributes' | 'status' | 'createdAt'>;

/** A change to a contact: fields given replace; `attributes` merges (a null value removes the key); `tags` replaces the set. */
export interface ContactPatch {
  email?: string;
  externalId?: string | null;
  firstName?: string | null;
  lastName?: string | null;
  company?: string | null;
  status?: ContactStatus;
  tags?: string[];
  attributes?: Record<string, unknown>;
}

/**
 * Which contacts: every condition given must hold. Used by lists, exports, segment counts and (later) campaign
 * audiences, which page through it by `afterId` in bounded memory.
 */
export interface ContactFilter {
  status?: ContactStatus;
  /** Has this tag. */
  tag?: string;
  /** Has at least one of these tags (a campaign audience by tags). */
  anyTags?: string[];
  /** Matches this segment rule, evaluated at `now` (activity windows count back from it). */
  rule?: RuleNode;
  now?: number;
}

/** A state of a contact import. `interrupted` is never stored: it is how a job whose process died reads. */
export type ImportState = 'validating' | 'importing' | 'completed' | 'failed' | 'interrupted';

/** A contact import job and its progress. */
export interface ImportJob {
  id: string;
  state: ImportState;
  /** File name (CLI) or "upload" (API). */
  source: string;
  /** Data records in the file, once validation has counted them. */
  totalRows: number | null;
  rowsRead: number;
  inserted: number;
  updated: number;
  failed: number;
  /** Why the whole file was refused or the import stopped: code, message, and where. */
  error: { code: string; message: string; field?: string; line?: number } | null;
  /** `strict`: a file with any bad row imports nothing (its row errors are listed). */
  options: { map: Record<string, string>; tags: string[]; strict?: boolean };
  createdAt: number;
  updatedAt: number;
  finishedAt: number | null;
}

/** One batch of an import, written in one transaction with the job's progress. */
export interface ImportBatch {
  importId: string;
  rows: IdentifiedRow[];
  /** Rows refused before reaching the store (bad email, bad status…). */
  errors: RowError[];
  /** Records read so far, this batch included (the progress checkpoint). */
  rowsRead: number;
  /** Tags added to every imported contact. */
  tags: string[];
  now: number;
}

/** Contacts, their tags and activity, and contact imports. SQLite and PostgreSQL implement it alike. */
export interface ContactStore {
  /** Create a contact; CONTACT_EXISTS (field email or external_id) when either is taken. */
  createContact(c: NewContact): Promise<Contact>;
  getContact(id: string): Promise<Contact | null>;
  /** By normalised email. */
  findContactByEmail(email: string): Promise<Contact | null>;
  findContactByExternalId(externalId: string): Promise<Contact | null>;
  /** Apply a patch; null when the contact does not exist; CONTACT_EXISTS when the new email or external id is taken. */
  updateContact(id: string, patch: ContactPatch, now: number): Promise<Contact | null>;
  /** Delete a contact with its tags and activity; false when it did not exist. */
  deleteContact(id: string): Promise<boolean>;
  /** Set the status of the contact with this (normalised) email: the unsubscribe and bounce paths. Null when none has it. */
  setStatusByEmail(email: string, status: ContactStatus, now: number): Promise<Contact | null>;

  /** Contacts matching the filter with id > afterId, in id order, at most `limit`: keyset paging in bounded memory. */
  pageContacts(filter: ContactFilter, afterId: string | null, limit: number): Promise<Contact[]>;
  /**
   * Contacts whose (normalised) email starts with `prefix` and that match the filter, in email order (compared as
   * bytes) after `afterEmail`, at most `limit`: an index range scan however many contacts there are.
   */
  searchContacts(prefix: string, filter: ContactFilter, afterEmail: string | null, limit: number): Promise<Contact[]>;
  countContacts(filter: ContactFilter): Promise<number>;

  /**
   * Record one engagement atomically: the score moves as applyEngagement says (floored at 0), last_engagement
   * follows, an activity row is written, and `status` (when given) is set. Null when the contact does not exist.
   */
  recordEngagement(contactId: string, type: EngagementType, at: number, messageId: string | null, status?: ContactStatus): Promise<Contact | null>;
  /** Write activity rows in one transaction (rows of contacts that no longer exist are dropped). */
  recordActivity(rows: ContactActivity[]): Promise<void>;
  /** The latest time of each kind of activity of a contact (what in-memory rule evaluation needs). */
  lastActivity(contactId: string): Promise<LastActivity>;
  /** The same per campaign the activity came from (what rules naming a campaign need in memory). */
  lastCampaignActivity(contactId: string): Promise<CampaignActivity>;
  /** Activity rows of a contact, newest first. */
  listActivity(contactId: string, limit: number, type?: ActivityType): Promise<ContactActivity[]>;

  createImport(job: ImportJob): Promise<void>;
  getImport(id: string): Promise<ImportJob | null>;
  /** Change a job's state (and error), stamping updated_at (and finished_at for completed/failed). */
  setImportState(id: string, state: ImportState, now: number, fields?: { totalRows?: number; error?: ImportJob['error']; failed?: number }): Promise<void>;
  /** Upsert a batch by email (planImportBatch) and advance the job's counters, in one transaction. */
  applyImportBatch(batch: ImportBatch): Promise<{ inserted: number; updated: number; failed: number }>;
  /** The job's row errors in line order (the first 1,000 are kept; `failed` counts them all). */
  listImportErrors(id: string, limit: number): Promise<RowError[]>;
}
