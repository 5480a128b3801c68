import { AppError } from '../domain/errors.js';
import { DAILY_LIMITS, defaultPerMinute, type SenderLimits } from '../domain/sender.js';
import type { Clock } from '../ports/clock.js';
import type { DirectoryClient, ServiceAccountKey } from '../ports/google.js';
import type { Logger } from '../ports/logger.js';
import type { SecretBox } from '../ports/secret-box.js';
import type { SenderStore, ServiceAccountRecord, SyncCounts } from '../ports/sender-store.js';

/** What one directory sync did. */
export interface SyncResult extends SyncCounts {
  /** Users the directory listed. */
  users: number;
}

/** The context a service account's sealed key is bound to. */
export const serviceAccountContext = (id: string): string => `service_account:${id}`;

/** How long a scheduled sync may hold an account before another process may take it over. */
const SYNC_LEASE_MS = 10 * 60_000;

/**
 * Directory sync (issue 4): list a Workspace domain's users through the service account (Admin SDK, impersonating
 * the account's admin) and make one gmail sender per active user; suspended, archived and vanished users are
 * paused. On demand (`sync`) and on a schedule (`syncDue`, one process per account at a time).
 */
export class DirectorySync {
  constructor(
    private readonly store: SenderStore,
    private readonly box: SecretBox,
    private readonly directory: DirectoryClient,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly newId: () => string,
  ) {}

  /** Sync one account now; throws DIRECTORY_SYNC_FAILED (nothing changed) when the directory cannot be listed. */
  async sync(account: ServiceAccountRecord): Promise<SyncResult> {
    let users;
    try {
      users = await this.directory.listUsers(this.openKey(account), account.adminEmail);
    } catch (err) {
      // Google's and our own messages name the account and the cause; none carries the key.
      const why = (err as Error).message;
      await this.store.finishSync(account.id, this.clock.now(), why.slice(0, 1000), null);
      this.log.warn({ service_account: account.id, client_email: account.clientEmail, error: why }, 'directory sync failed');
      throw new AppError('DIRECTORY_SYNC_FAILED', `listing the users of ${account.clientEmail} as ${account.adminEmail} failed: ${why}`, { cause: err });
    }
    const entries = users.map((u) => ({
      id: this.newId(), email: u.primaryEmail, name: u.fullName,
      inactive: u.suspended ? 'suspended' : u.archived ? 'archived' : null,
    }));
    const counts = await this.store.applyDirectory(account.id, entries, defaultsFor(account), this.clock.now());
    await this.store.finishSync(account.id, this.clock.now(), null, users.length);
    this.log.info({ service_account: account.id, users: users.length, ...counts }, 'directory synced');
    return { ...counts, users: users.length };
  }

  /** Sync every account not synced for `intervalMs`, each claimed so one process does it; returns how many synced. */
  async syncDue(intervalMs: number): Promise<number> {
    let done = 0;
    for (const a of await this.store.listServiceAccounts()) {
      const now = this.clock.now();
      if (a.lastSyncAt !== null && now - a.lastSyncAt < intervalMs) continue;
      if (!(await this.store.claimSync(a.id, now, SYNC_LEASE_MS))) continue;
      try {
        await this.sync(a);
        done++;
      } catch (err) {
        if (!(err instanceof AppError)) {
          await this.store.finishSync(a.id, this.clock.now(), (err as Error).message.slice(0, 1000), null);
          this.log.error({ service_account: a.id, err }, 'directory sync failed');
        }
      }
    }
    return done;
  }

  /** The account's key, unsealed for a request to Google. */
  openKey(account: ServiceAccountRecord): ServiceAccountKey {
    return JSON.parse(this.box.open(account.sealedKey, serviceAccountContext(account.id))) as ServiceAccountKey;
  }
}

/** Limits of a sender a sync creates: the edition's daily limit and Gmail's per-user rate. */
export function defaultsFor(account: Pick<ServiceAccountRecord, 'accountType'>): SenderLimits {
  return {
    dailyLimit: account.accountType === 'workspace_trial' ? DAILY_LIMITS.workspace_trial : DAILY_LIMITS.workspace,
    perSecond: null, perMinute: defaultPerMinute('gmail'), maxInFlight: null, warmup: null, window: null,
  };
}
