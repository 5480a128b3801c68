import { AppError, invalid } from '../domain/errors.js';
import { defaultDailyLimit, defaultPerMinute, effectiveDailyLimit, effectiveState, type AccountType, type SenderLimits, type SenderState } from '../domain/sender.js';
import type { Clock } from '../ports/clock.js';
import type { SecretBox } from '../ports/secret-box.js';
import type { SenderPatch, SenderRecord, SenderStore } from '../ports/sender-store.js';
import type { CreateSender, UpdateSender } from './sender-schema.js';
import { checkIdentity, limitsFrom } from './sender-input.js';

/** Checks and describes SMTP relay URLs (the smtp transport's own parser, handed in by the composition root). */
export interface RelayUrls {
  /** Why the URL cannot be used, or null. */
  problem(url: string): string | null;
  /** The relay as it may be shown: scheme, user, host and port — never the password. */
  describe(url: string): string;
}

/** A sender with its state read at `now` and its use of the rolling 24 hours. */
export interface SenderStatus {
  sender: SenderRecord;
  state: SenderState;
  stateUntil: number | null;
  /** Daily limit in force now (warm-up included); null = unlimited. */
  limit: number | null;
  used: number;
  sent: number;
  remaining: number | null;
  /** Successful sends per minute over the last hour. */
  recent: Array<{ minute: number; sent: number }>;
}

/** The context a sender's sealed credentials are bound to. */
export const senderSecretContext = (id: string): string => `sender:${id}`;

/**
 * Sender use cases: create (smtp with its own relay, ses with its keys, gmail for a user of a registered service
 * account), change, pause, resume, remove, and read with usage. Credentials are sealed before they reach the
 * store and never come back out of this service.
 */
export class ManageSenders {
  constructor(
    private readonly store: SenderStore,
    private readonly box: SecretBox,
    private readonly clock: Clock,
    private readonly opts: { newId: () => string; relays: RelayUrls; onRemoved?: (id: string) => void },
  ) {}

  async create(req: CreateSender): Promise<SenderStatus> {
    const now = this.clock.now();
    checkIdentity(req.email, req.from_name);
    const id = req.id ?? this.opts.newId();
    const email = req.email.trim();
    let sealedSecret: string | null = null;
    let settings: Record<string, string> = {};
    let accountType: AccountType | null = null;
    let relayHost: string | null = null;
    if (req.kind !== 'smtp' && req.smtp_url !== undefined) throw invalid('smtp_url', `only smtp senders have a relay (this one is ${req.kind})`);
    if (req.kind !== 'ses' && req.ses !== undefined) throw invalid('ses', `only ses senders have SES settings (this one is ${req.kind})`);
    if (req.kind !== 'gmail' && req.service_account_id !== undefined) throw invalid('service_account_id', `only gmail senders belong to a service account (this one is ${req.kind})`);
    if (req.kind === 'smtp') {
      if (req.smtp_url === undefined) throw invalid('smtp_url', 'is required for an smtp sender');
      ({ sealedSecret, settings, relayHost } = this.sealRelay(id, req.smtp_url));
    } else if (req.kind === 'ses') {
      if (req.ses === undefined) throw invalid('ses', 'is required for an ses sender (region, access_key_id, secret_access_key)');
      ({ sealedSecret, settings } = this.sealSes(id, req.ses));
    } else {
      if (req.service_account_id === undefined) throw invalid('service_account_id', 'is required for a gmail sender');
      const sa = await this.store.getServiceAccount(req.service_account_id);
      if (!sa) throw new AppError('SERVICE_ACCOUNT_NOT_FOUND', `service_account_id: no service account "${req.service_account_id}"`, { field: 'service_account_id' });
      accountType = sa.accountType;
    }
    const given = limitsFrom(req, now);
    const limits: SenderLimits = {
      dailyLimit: given.dailyLimit !== undefined ? given.dailyLimit : defaultDailyLimit(req.kind, email, accountType, relayHost),
      perSecond: given.perSecond ?? null,
      perMinute: given.perMinute !== undefined ? given.perMinute : defaultPerMinute(req.kind),
      maxInFlight: given.maxInFlight ?? null,
      warmup: given.warmup ?? null,
      window: given.window ?? null,
    };
    const rec: SenderRecord = {
      id, kind: req.kind, email, fromName: req.from_name ?? null, serviceAccountId: req.service_account_id ?? null, sealedSecret, settings, ...limits,
      state: 'active', stateUntil: null, stateReason: null, stateSource: null, strikes: 0,
      lastError: null, lastErrorAt: null, lastSentAt: null, createdAt: now, updatedAt: now,
    };
    await this.store.createSender(rec);
    return (await this.statusOf([rec], now))[0]!;
  }

  async update(id: string, req: UpdateSender): Promise<SenderStatus> {
    const now = this.clock.now();
    const cur = await this.getRecord(id);
    checkIdentity(req.email, req.from_name);
    const patch: SenderPatch = { ...limitsFrom(req, now) };
    if (req.email !== undefined) patch.email = req.email.trim();
    if (req.from_name !== undefined) patch.fromName = req.from_name;
    if (req.smtp_url !== undefined) {
      if (cur.kind !== 'smtp') throw invalid('smtp_url', `only smtp senders have a relay (this one is ${cur.kind})`);
      const r = this.sealRelay(id, req.smtp_url);
      patch.sealedSecret = r.sealedSecret;
      patch.settings = r.settings;
    }
    if (req.ses !== undefined) {
      if (cur.kind !== 'ses') throw invalid('ses', `only ses senders have SES settings (this one is ${cur.kind})`);
      Object.assign(patch, this.sealSes(id, req.ses));
    }
    let next = await this.store.updateSender(id, patch, now);
    if (!next) throw notFound(id);
    // Exhausted by our own count under the old limit: the new limit decides now (the next reservation re-checks it).
    if ((patch.dailyLimit !== undefined || patch.warmup !== undefined) && next.state === 'exhausted' && next.stateSource === 'quota') {
      [next] = await this.store.setState([id], 'active', { until: null, reason: null, source: null }, now);
      await this.store.wakePools(id, now);
    }
    return (await this.statusOf([next!], now))[0]!;
  }

  async get(id: string): Promise<SenderStatus> {
    return (await this.statusOf([await this.getRecord(id)], this.clock.now()))[0]!;
  }

  async list(q: { serviceAccountId?: string } = {}): Promise<SenderStatus[]> {
    return this.statusOf(await this.store.listSenders(q), this.clock.now());
  }

  async remove(id: string): Promise<void> {
    if (!(await this.store.deleteSender(id))) throw notFound(id);
    this.opts.onRemoved?.(id);
  }

  /** Take a sender out of rotation until resumed. */
  async pause(id: string, reason: string | undefined): Promise<SenderStatus> {
    await this.getRecord(id);
    const [s] = await this.store.setState([id], 'paused', { until: null, reason: reason ?? 'paused through the API', source: 'user' }, this.clock.now());
    return (await this.statusOf([s!], this.clock.now()))[0]!;
  }

  /** Put a sender back in rotation (from paused, error, cooling down or exhausted by a provider). */
  async resume(id: string): Promise<SenderStatus> {
    await this.getRecord(id);
    const [s] = await this.store.setState([id], 'active', { until: null, reason: null, source: null }, this.clock.now());
    // Messages that waited for a sender of its pools to free up need not wait any longer.
    await this.store.wakePools(id, this.clock.now());
    return (await this.statusOf([s!], this.clock.now()))[0]!;
  }

  /** Senders with their state at `now` and their usage. */
  async statusOf(records: SenderRecord[], now: number): Promise<SenderStatus[]> {
    const usage = await this.store.usage(records.map((r) => r.id), now);
    return records.map((sender) => {
      const eff = effectiveState(sender.state, sender.stateUntil, now);
      const limit = effectiveDailyLimit(sender, now);
      const u = usage.get(sender.id) ?? { used: 0, sent: 0, recent: [] };
      return { sender, state: eff.state, stateUntil: eff.until, limit, used: u.used, sent: u.sent, remaining: limit === null ? null : Math.max(0, limit - u.used), recent: u.recent };
    });
  }

  private async getRecord(id: string): Promise<SenderRecord> {
    const s = await this.store.getSender(id);
    if (!s) throw notFound(id);
    return s;
  }

  private sealRelay(id: string, url: string): { sealedSecret: string; settings: Record<string, string>; relayHost: string } {
    const problem = this.opts.relays.problem(url);
    // The problem text comes from the URL parser, which never repeats the password.
    if (problem) throw invalid('smtp_url', problem);
    return { sealedSecret: this.box.seal(url, senderSecretContext(id)), settings: { relay: this.opts.relays.describe(url) }, relayHost: new URL(url).hostname };
  }

  private sealSes(id: string, ses: NonNullable<CreateSender['ses']>): { sealedSecret: string; settings: Record<string, string> } {
    if (ses.endpoint !== undefined) {
      try {
        const u = new URL(ses.endpoint);
        if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error('scheme');
      } catch {
        throw invalid('ses.endpoint', 'must be an http(s) URL');
      }
    }
    const settings: Record<string, string> = { region: ses.region, ...(ses.endpoint ? { endpoint: ses.endpoint } : {}) };
    return { sealedSecret: this.box.seal(JSON.stringify({ accessKeyId: ses.access_key_id, secretAccessKey: ses.secret_access_key }), senderSecretContext(id)), settings };
  }
}

function notFound(id: string): AppError {
  return new AppError('SENDER_NOT_FOUND', `no sender "${id}"`, { field: 'id' });
}
