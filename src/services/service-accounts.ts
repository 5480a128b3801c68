import { AppError, invalid } from '../domain/errors.js';
import { addressProblem } from '../domain/address.js';
import type { AccountType } from '../domain/sender.js';
import { parseServiceAccountKey } from '../domain/service-account-key.js';
import type { Clock } from '../ports/clock.js';
import type { SecretBox } from '../ports/secret-box.js';
import type { SenderStore, ServiceAccountRecord } from '../ports/sender-store.js';
import { serviceAccountContext, type DirectorySync, type SyncResult } from './directory-sync.js';
import type { CreateServiceAccount } from './sender-schema.js';

/** A service account as it may be shown, with its senders counted. */
export interface ServiceAccountStatus {
  account: ServiceAccountRecord;
  senders: number;
}

/**
 * Service-account use cases: register a Google key (checked, sealed with POSTFLOW_SECRET; nothing of it is ever
 * returned or logged), list, remove (with its senders), and sync its directory on demand.
 */
export class ManageServiceAccounts {
  constructor(
    private readonly store: SenderStore,
    private readonly box: SecretBox,
    private readonly sync: DirectorySync,
    private readonly clock: Clock,
    private readonly opts: { newId: () => string; onRemoved?: (senderIds: string[]) => void },
  ) {}

  /** Register an account; when asked (default), list its directory at once — a failed listing is reported, the account stays. */
  async register(req: CreateServiceAccount): Promise<ServiceAccountStatus & { sync: SyncResult | { error: string } | null }> {
    const key = parseServiceAccountKey(req.key);
    const admin = req.admin_email.trim();
    const problem = addressProblem(admin);
    if (problem) throw invalid('admin_email', problem);
    const now = this.clock.now();
    const id = this.opts.newId();
    const account: ServiceAccountRecord = {
      id, clientEmail: key.client_email, projectId: key.project_id ?? null, keyId: key.private_key_id ?? null, adminEmail: admin,
      accountType: (req.account_type ?? 'workspace') as AccountType, sealedKey: this.box.seal(JSON.stringify(key), serviceAccountContext(id)),
      lastSyncAt: null, lastSyncError: null, syncedUsers: null, createdAt: now, updatedAt: now,
    };
    await this.store.createServiceAccount(account);
    let sync: SyncResult | { error: string } | null = null;
    if (req.sync !== false) {
      try {
        sync = await this.sync.sync(account);
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        sync = { error: err.message };
      }
    }
    return { ...(await this.get(id)), sync };
  }

  async get(id: string): Promise<ServiceAccountStatus> {
    const account = await this.store.getServiceAccount(id);
    if (!account) throw notFound(id);
    return { account, senders: (await this.store.listSenders({ serviceAccountId: id })).length };
  }

  async list(): Promise<ServiceAccountStatus[]> {
    const accounts = await this.store.listServiceAccounts();
    return Promise.all(accounts.map(async (account) => ({ account, senders: (await this.store.listSenders({ serviceAccountId: account.id })).length })));
  }

  async remove(id: string): Promise<void> {
    const senders = (await this.store.listSenders({ serviceAccountId: id })).map((s) => s.id);
    if (!(await this.store.deleteServiceAccount(id))) throw notFound(id);
    this.opts.onRemoved?.(senders);
  }

  /** List the directory now and bring the account's senders in line. */
  async syncNow(id: string): Promise<SyncResult> {
    const account = await this.store.getServiceAccount(id);
    if (!account) throw notFound(id);
    return this.sync.sync(account);
  }
}

function notFound(id: string): AppError {
  return new AppError('SERVICE_ACCOUNT_NOT_FOUND', `no service account "${id}"`, { field: 'id' });
}
