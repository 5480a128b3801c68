import type { RotationStrategy } from '../domain/rotation.js';
import type { AccountType, SenderKind, SenderLimits, SenderState, StateSource } from '../domain/sender.js';
import type { SignalKind } from '../domain/sender-signals.js';

/** A sender as stored. Secrets are sealed (see SecretBox) and never leave the process unsealed. */
export interface SenderRecord extends SenderLimits {
  id: string;
  kind: SenderKind;
  /** The address mail is sent from (the Workspace user for gmail senders). */
  email: string;
  fromName: string | null;
  serviceAccountId: string | null;
  /** Sealed credentials: the relay URL of an smtp sender, the access keys of an ses sender; null for gmail. */
  sealedSecret: string | null;
  /** Settings that are not secret: for smtp the relay without its password, for ses the region and endpoint. */
  settings: Record<string, string>;
  state: SenderState;
  stateUntil: number | null;
  stateReason: string | null;
  stateSource: StateSource | null;
  /** Cool-downs in a row; a successful send resets it. */
  strikes: number;
  lastError: string | null;
  lastErrorAt: number | null;
  lastSentAt: number | null;
  createdAt: number;
  updatedAt: number;
}

/** The fields of a sender a person may change. */
export type SenderPatch = Partial<Pick<SenderRecord, 'email' | 'fromName' | 'sealedSecret' | 'settings' | keyof SenderLimits>>;

/** A sender's usage in the rolling 24 hours ending now. */
export interface SenderUsage {
  /** Sends counted against the daily limit (reservations, whatever their outcome). */
  used: number;
  /** Sends that succeeded. */
  sent: number;
  /** Successful sends per minute over the last hour (for the measured rate). */
  recent: Array<{ minute: number; sent: number }>;
}

/** A Google service account, its key sealed. */
export interface ServiceAccountRecord {
  id: string;
  clientEmail: string;
  projectId: string | null;
  keyId: string | null;
  adminEmail: string;
  accountType: AccountType;
  sealedKey: string;
  lastSyncAt: number | null;
  lastSyncError: string | null;
  syncedUsers: number | null;
  createdAt: number;
  updatedAt: number;
}

/** One user as directory sync hands it to the store. */
export interface DirectoryEntry {
  /** The id its sender gets if this sync creates it. */
  id: string;
  email: string;
  name: string | null;
  /** Null when the user may send; otherwise why not (suspended, archived). */
  inactive: string | null;
}

/** What a directory sync changed. */
export interface SyncCounts {
  created: number;
  paused: number;
  resumed: number;
  unchanged: number;
}

/** A pool member: one sender, or every sender of a service account. */
export type PoolMember = { senderId: string; weight: number } | { serviceAccountId: string; weight: number };

/** A pool of senders and how it rotates. */
export interface PoolRecord {
  id: string;
  strategy: RotationStrategy;
  description: string | null;
  members: PoolMember[];
  createdAt: number;
  updatedAt: number;
}

/** A message arriving with a sender slot it reserved earlier. */
export interface HeldSlot {
  messageId: string;
  senderId: string;
  slot: number;
}

/** Routing a batch of a pool's messages. */
export interface ReservationRequest {
  poolId: string;
  now: number;
  /** Messages holding a reserved slot: they keep it when the sender is still usable and they are not late. */
  held: HeldSlot[];
  /** Messages to place, in order. */
  fresh: string[];
  /** Sends of this process per sender not answered yet (the in-flight maximum is per process). */
  inFlight: ReadonlyMap<string, number>;
  /** Later slots are reserved up to this far ahead. */
  horizonMs: number;
  random: () => number;
}

/** Where a message goes: a sender now or at a reserved slot, or nowhere before `retryAt` (null: no sender frees by itself). */
export type Assignment = { senderId: string; sendAt: number } | { senderId: null; retryAt: number | null };

/** The outcome of a reservation: one assignment per message, and the pool's senders as they are now. */
export interface ReservationResult {
  /** False when the pool does not exist (any more). */
  found: boolean;
  assignments: Map<string, Assignment>;
  senders: Map<string, SenderRecord>;
}

/** What the router reports of one sender after a batch. */
export interface SenderReport {
  senderId: string;
  sent: number;
  failed: number;
  lastError?: string;
  /** The provider said the sender (or its account) is the problem. */
  signal?: { kind: SignalKind; retryAt?: number };
  /** The provider refused the sender's credentials: the sender goes to `error`. */
  authFailed?: boolean;
}

/**
 * Senders, service accounts, pools and the quota ledger. `reserve` is the one place quota is taken: it locks
 * the pool's sender rows (and their accounts) and counts the sends in the same transaction, so any number of
 * worker processes on one database never exceed a daily limit or a rate. SQLite and PostgreSQL implement it alike.
 */
export interface SenderStore {
  createSender(s: SenderRecord): Promise<void>;
  /** Apply a patch; null when the sender does not exist. */
  updateSender(id: string, patch: SenderPatch, now: number): Promise<SenderRecord | null>;
  getSender(id: string): Promise<SenderRecord | null>;
  listSenders(q?: { serviceAccountId?: string; ids?: string[] }): Promise<SenderRecord[]>;
  /** Remove a sender, its usage and its pool memberships; false when unknown. */
  deleteSender(id: string): Promise<boolean>;
  /** Set the state of senders (pause, resume); returns the senders after the change. */
  setState(ids: string[], state: SenderState, change: { until: number | null; reason: string | null; source: StateSource | null }, now: number): Promise<SenderRecord[]>;
  /** Usage of senders in the rolling 24 hours ending `now`. */
  usage(ids: string[], now: number): Promise<Map<string, SenderUsage>>;

  createServiceAccount(a: ServiceAccountRecord): Promise<void>;
  getServiceAccount(id: string): Promise<ServiceAccountRecord | null>;
  listServiceAccounts(): Promise<ServiceAccountRecord[]>;
  /** Remove an account with its senders; false when unknown. */
  deleteServiceAccount(id: string): Promise<boolean>;
  /** Take the right to sync an account's directory until `now + leaseMs`; false while another process holds it. */
  claimSync(id: string, now: number, leaseMs: number): Promise<boolean>;
  /**
   * Bring the account's gmail senders in line with its directory in one transaction: new active users become
   * senders (`defaults` for their limits), inactive or vanished users are paused (source `directory`), users who
   * are active again are resumed when the directory had paused them.
   */
  applyDirectory(id: string, users: DirectoryEntry[], defaults: SenderLimits, now: number): Promise<SyncCounts>;
  /** Record the end of a sync (success: error null) and release the sync claim. */
  finishSync(id: string, now: number, error: string | null, users: number | null): Promise<void>;

  createPool(p: PoolRecord): Promise<void>;
  updatePool(id: string, patch: Partial<Pick<PoolRecord, 'strategy' | 'description' | 'members'>>, now: number): Promise<PoolRecord | null>;
  getPool(id: string): Promise<PoolRecord | null>;
  listPools(): Promise<PoolRecord[]>;
  deletePool(id: string): Promise<boolean>;
  /** The senders a pool resolves to now (direct members and every sender of member accounts). */
  poolSenders(id: string): Promise<SenderRecord[]>;
  /** Messages waiting (queued or deferred) that name the pool. */
  poolWaiting(id: string): Promise<number>;
  /** Make messages waiting for a pool of this sender due now (it can send again); returns how many. */
  wakePools(senderId: string, now: number): Promise<number>;

  /** Place a batch of a pool's messages on senders, counting the sends; see ReservationRequest. */
  reserve(req: ReservationRequest): Promise<ReservationResult>;
  /** Record a batch's outcomes per sender: sends, last errors, and the state changes signals call for. */
  recordOutcomes(reports: SenderReport[], now: number, random: () => number): Promise<void>;
}
