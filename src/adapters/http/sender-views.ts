import { Type, type Static } from '@sinclair/typebox';
import type { ServiceAccountStatus } from '../../services/service-accounts.js';
import type { PoolStatus } from '../../services/pools.js';
import type { SenderStatus } from '../../services/senders.js';
import type { CapacityReport } from '../../services/capacity.js';
import type { SyncResult } from '../../services/directory-sync.js';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
const N = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

/**
 * A sender as the API shows it. Response schemas decide what leaves the process: credentials are not in them,
 * so a sealed secret could not be serialised even by mistake.
 */
export const SenderSchema = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  email: Type.String(),
  from_name: N(Type.String()),
  service_account_id: N(Type.String()),
  relay: N(Type.String({ description: 'smtp senders: the relay, without its password' })),
  ses: N(Type.Object({ region: Type.String(), endpoint: N(Type.String()) })),
  daily_limit: N(Type.Integer()),
  per_second: N(Type.Integer()),
  per_minute: N(Type.Integer()),
  max_in_flight: N(Type.Integer()),
  warmup: N(Type.Object({ initial: Type.Integer(), growth: Type.Number(), max: Type.Integer(), start: Type.String() })),
  window: N(Type.Object({ days: Type.Array(Type.Integer()), start: Type.String(), end: Type.String(), time_zone: Type.String() })),
  state: Type.String({ description: 'active, cooling_down, exhausted, paused or error' }),
  state_until: N(Type.String()),
  state_reason: N(Type.String()),
  last_error: N(Type.String()),
  last_error_at: N(Type.String()),
  last_sent_at: N(Type.String()),
  usage: Type.Object({
    limit_now: N(Type.Integer({ description: 'The daily limit in force now (warm-up included); null = unlimited' })),
    used_24h: Type.Integer({ description: 'Sends counted against the limit in the last 24 hours' }),
    sent_24h: Type.Integer({ description: 'Successful sends in the last 24 hours' }),
    remaining: N(Type.Integer()),
  }),
  created_at: Type.String(),
  updated_at: Type.String(),
});

/** Shape a sender for the API. */
export function senderView(s: SenderStatus): Static<typeof SenderSchema> {
  const r = s.sender;
  return {
    id: r.id, kind: r.kind, email: r.email, from_name: r.fromName, service_account_id: r.serviceAccountId,
    relay: r.kind === 'smtp' ? r.settings.relay ?? null : null,
    ses: r.kind === 'ses' ? { region: r.settings.region ?? '', endpoint: r.settings.endpoint ?? null } : null,
    daily_limit: r.dailyLimit, per_second: r.perSecond, per_minute: r.perMinute, max_in_flight: r.maxInFlight,
    warmup: r.warmup ? { initial: r.warmup.initial, growth: r.warmup.growth, max: r.warmup.max, start: iso(r.warmup.startedAt)! } : null,
    window: r.window ? { days: r.window.days, start: r.window.start, end: r.window.end, time_zone: r.window.timeZone } : null,
    state: s.state, state_until: iso(s.stateUntil), state_reason: s.state === r.state ? r.stateReason : null,
    last_error: r.lastError, last_error_at: iso(r.lastErrorAt), last_sent_at: iso(r.lastSentAt),
    usage: { limit_now: s.limit, used_24h: s.used, sent_24h: s.sent, remaining: s.remaining },
    created_at: iso(r.createdAt)!, updated_at: iso(r.updatedAt)!,
  };
}

const Member = Type.Object({ id: Type.String(), weight: Type.Integer() });

/** A pool with its state and senders. */
export const PoolSchema = Type.Object({
  id: Type.String(),
  strategy: Type.String(),
  description: N(Type.String()),
  members: Type.Object({ senders: Type.Array(Member), service_accounts: Type.Array(Member) }),
  state: Type.String({ description: 'ready, exhausted (every usable sender out of quota or cooling down), no_usable_sender, or empty' }),
  next_free_at: N(Type.String({ description: 'When exhausted: the earliest time a sender frees up' })),
  waiting: Type.Integer({ description: 'Messages queued or deferred for this pool' }),
  remaining_today: N(Type.Integer()),
  daily_capacity: N(Type.Integer()),
  senders: Type.Array(Type.Object({ id: Type.String(), email: Type.String(), state: Type.String(), state_until: N(Type.String()), used_24h: Type.Integer(), remaining: N(Type.Integer()) })),
  created_at: Type.String(),
  updated_at: Type.String(),
});

/** Shape a pool for the API. */
export function poolView(p: PoolStatus): Static<typeof PoolSchema> {
  return {
    id: p.pool.id, strategy: p.pool.strategy, description: p.pool.description,
    members: {
      senders: p.pool.members.flatMap((m) => ('senderId' in m ? [{ id: m.senderId, weight: m.weight }] : [])),
      service_accounts: p.pool.members.flatMap((m) => ('serviceAccountId' in m ? [{ id: m.serviceAccountId, weight: m.weight }] : [])),
    },
    state: p.state, next_free_at: iso(p.nextFreeAt), waiting: p.waiting, remaining_today: p.remainingToday, daily_capacity: p.dailyCapacity,
    senders: p.senders.map((s) => ({ id: s.sender.id, email: s.sender.email, state: s.state, state_until: iso(s.stateUntil), used_24h: s.used, remaining: s.remaining })),
    created_at: iso(p.pool.createdAt)!, updated_at: iso(p.pool.updatedAt)!,
  };
}

/** What a directory sync did. */
export const SyncSchema = Type.Object({ users: Type.Integer(), created: Type.Integer(), paused: Type.Integer(), resumed: Type.Integer(), unchanged: Type.Integer() });

/** A service account as the API shows it: never its key. */
export const ServiceAccountSchema = Type.Object({
  id: Type.String(),
  client_email: Type.String(),
  project_id: N(Type.String()),
  key_id: N(Type.String({ description: 'The key\'s private_key_id (identifies the key; not secret)' })),
  admin_email: Type.String(),
  account_type: Type.String(),
  senders: Type.Integer(),
  synced_users: N(Type.Integer()),
  last_sync_at: N(Type.String()),
  last_sync_error: N(Type.String()),
  created_at: Type.String(),
  sync: Type.Optional(N(Type.Union([SyncSchema, Type.Object({ error: Type.String() })]))),
});

/** Shape a service account for the API. */
export function serviceAccountView(s: ServiceAccountStatus & { sync?: SyncResult | { error: string } | null }): Static<typeof ServiceAccountSchema> {
  const a = s.account;
  return {
    id: a.id, client_email: a.clientEmail, project_id: a.projectId, key_id: a.keyId, admin_email: a.adminEmail, account_type: a.accountType,
    senders: s.senders, synced_users: a.syncedUsers, last_sync_at: iso(a.lastSyncAt), last_sync_error: a.lastSyncError, created_at: iso(a.createdAt)!,
    ...(s.sync !== undefined ? { sync: s.sync } : {}),
  };
}

/** A capacity report. */
export const CapacitySchema = Type.Object({
  pool: N(Type.String()),
  senders: Type.Integer(),
  usable_senders: Type.Integer(),
  accounts: Type.Integer({ description: 'Service accounts behind the usable senders' }),
  remaining_today: N(Type.Integer({ description: 'Sends left in the rolling 24 h; null = some sender is unlimited' })),
  daily_capacity: N(Type.Integer({ description: 'Sum of daily limits (accounts × users × daily limit)' })),
  formula: N(Type.String()),
  rate_ceiling_per_second: N(Type.Number({ description: 'The senders\' own rates added up; null = some sender has none' })),
  measured_per_second: N(Type.Number({ description: 'Successful sends per second over the active minutes of the last hour' })),
  messages: Type.Integer(),
  eta_seconds: N(Type.Number()),
  eta: N(Type.String()),
});

/** Shape a capacity report for the API. */
export function capacityView(c: CapacityReport): Static<typeof CapacitySchema> {
  return {
    pool: c.pool, senders: c.senders, usable_senders: c.usableSenders, accounts: c.accounts, remaining_today: c.remainingToday,
    daily_capacity: c.dailyCapacity, formula: c.formula, rate_ceiling_per_second: c.rateCeilingPerSecond, measured_per_second: c.measuredPerSecond,
    messages: c.messages, eta_seconds: c.etaSeconds, eta: c.etaSeconds === null ? null : formatDuration(c.etaSeconds),
  };
}

/** "1d 16h 0m", "2m 30s". */
export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d}d ${h}h ${m}m`;
  if (h > 0) return `${h}h ${m}m`;
  return `${m}m ${s % 60}s`;
}
