import type { Insertable, Selectable } from 'kysely';
import type { RotationStrategy } from '../../domain/rotation.js';
import type { AccountType, SenderKind, SenderState, StateSource } from '../../domain/sender.js';
import type { SendingWindow } from '../../domain/sending-window.js';
import type { WarmupSpec } from '../../domain/warmup.js';
import type { PoolMember, PoolRecord, SenderPatch, SenderRecord, ServiceAccountRecord } from '../../ports/sender-store.js';
import type { PoolMembersTable, PoolsTable, SendersTable, ServiceAccountsTable } from './schema.js';

const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : num(v));
const json = <T>(v: string | null): T | null => (v === null ? null : (JSON.parse(v) as T));

/** A sender row as a record. */
export function rowToSender(r: Selectable<SendersTable>): SenderRecord {
  return {
    id: r.id,
    kind: r.kind as SenderKind,
    email: r.email,
    fromName: r.from_name,
    serviceAccountId: r.service_account_id,
    sealedSecret: r.sealed_secret,
    settings: JSON.parse(r.settings) as Record<string, string>,
    dailyLimit: numOrNull(r.daily_limit),
    perSecond: numOrNull(r.per_second),
    perMinute: numOrNull(r.per_minute),
    maxInFlight: numOrNull(r.max_in_flight),
    warmup: json<WarmupSpec>(r.warmup),
    window: json<SendingWindow>(r.send_window),
    state: r.state as SenderState,
    stateUntil: numOrNull(r.state_until),
    stateReason: r.state_reason,
    stateSource: r.state_source as StateSource | null,
    strikes: num(r.strikes),
    lastError: r.last_error,
    lastErrorAt: numOrNull(r.last_error_at),
    lastSentAt: numOrNull(r.last_sent_at),
    createdAt: num(r.created_at),
    updatedAt: num(r.updated_at),
  };
}

/** The row of a new sender (its ledger columns start empty). */
export function senderToRow(s: SenderRecord): Insertable<SendersTable> {
  return {
    id: s.id, kind: s.kind, email: s.email, from_name: s.fromName, service_account_id: s.serviceAccountId,
    sealed_secret: s.sealedSecret, settings: JSON.stringify(s.settings),
    ...limitColumns(s),
    state: s.state, state_until: s.stateUntil, state_reason: s.stateReason, state_source: s.stateSource, strikes: s.strikes,
    last_error: s.lastError, last_error_at: s.lastErrorAt, last_sent_at: s.lastSentAt,
    used_24h: 0, window_start_minute: 0, next_send_at: 0,
    created_at: s.createdAt, updated_at: s.updatedAt,
  };
}

/** The columns a patch changes (only the fields it names). */
export function patchToColumns(p: SenderPatch): Partial<Insertable<SendersTable>> {
  const out: Partial<Insertable<SendersTable>> = {};
  if (p.email !== undefined) out.email = p.email;
  if (p.fromName !== undefined) out.from_name = p.fromName;
  if (p.sealedSecret !== undefined) out.sealed_secret = p.sealedSecret;
  if (p.settings !== undefined) out.settings = JSON.stringify(p.settings);
  const limits = limitColumns({
    dailyLimit: p.dailyLimit ?? null, perSecond: p.perSecond ?? null, perMinute: p.perMinute ?? null,
    maxInFlight: p.maxInFlight ?? null, warmup: p.warmup ?? null, window: p.window ?? null,
  });
  if (p.dailyLimit !== undefined) out.daily_limit = limits.daily_limit;
  if (p.perSecond !== undefined) out.per_second = limits.per_second;
  if (p.perMinute !== undefined) out.per_minute = limits.per_minute;
  if (p.maxInFlight !== undefined) out.max_in_flight = limits.max_in_flight;
  if (p.warmup !== undefined) out.warmup = limits.warmup;
  if (p.window !== undefined) out.send_window = limits.send_window;
  return out;
}

function limitColumns(l: Pick<SenderRecord, 'dailyLimit' | 'perSecond' | 'perMinute' | 'maxInFlight' | 'warmup' | 'window'>) {
  return {
    daily_limit: l.dailyLimit, per_second: l.perSecond, per_minute: l.perMinute, max_in_flight: l.maxInFlight,
    warmup: l.warmup ? JSON.stringify(l.warmup) : null, send_window: l.window ? JSON.stringify(l.window) : null,
  };
}

/** A service-account row as a record. */
export function rowToServiceAccount(r: Selectable<ServiceAccountsTable>): ServiceAccountRecord {
  return {
    id: r.id, clientEmail: r.client_email, projectId: r.project_id, keyId: r.key_id, adminEmail: r.admin_email,
    accountType: r.account_type as AccountType, sealedKey: r.sealed_key,
    lastSyncAt: numOrNull(r.last_sync_at), lastSyncError: r.last_sync_error, syncedUsers: numOrNull(r.synced_users),
    createdAt: num(r.created_at), updatedAt: num(r.updated_at),
  };
}

/** A pool row and its member rows as a record. */
export function rowToPool(p: Selectable<PoolsTable>, members: Selectable<PoolMembersTable>[]): PoolRecord {
  return {
    id: p.id, strategy: p.strategy as RotationStrategy, description: p.description,
    members: [...members].sort((a, b) => num(a.position) - num(b.position)).map((m): PoolMember =>
      m.sender_id !== null ? { senderId: m.sender_id, weight: num(m.weight) } : { serviceAccountId: m.service_account_id!, weight: num(m.weight) }),
    createdAt: num(p.created_at), updatedAt: num(p.updated_at),
  };
}

/** The member rows of a pool. */
export function memberRows(poolId: string, members: PoolMember[]): Insertable<PoolMembersTable>[] {
  return members.map((m, position) => ({
    pool_id: poolId, position, weight: m.weight,
    sender_id: 'senderId' in m ? m.senderId : null,
    service_account_id: 'serviceAccountId' in m ? m.serviceAccountId : null,
  }));
}
