import { createHash, randomBytes } from 'node:crypto';
import { ulid } from 'ulid';
import { AppError } from '../domain/errors.js';
import type { Clock } from '../ports/clock.js';
import type { ApiKeyRecord, Store } from '../ports/store.js';

/** Scopes an API key may hold; `admin` implies the others. */
export const SCOPES = ['send', 'read', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

/** The authenticated caller. */
export interface Principal {
  keyId: string;
  name: string;
  scopes: Scope[];
}

/** sha256 of a key's secret: keys carry 256 random bits, so a fast hash is enough to store them safely. */
export function hashKey(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** True when `p` may use a route that needs `scope`. */
export function hasScope(p: Principal, scope: Scope): boolean {
  return p.scopes.includes('admin') || p.scopes.includes(scope);
}

/**
 * API keys: created with a secret shown once (`pf_…`), stored as a hash, looked up through a short cache
 * so authentication does not cost a store round trip per request. Revocation in this process is immediate;
 * other processes see it within `cacheMs`.
 */
export class ApiKeys {
  private readonly cache = new Map<string, { key: ApiKeyRecord | null; until: number }>();

  constructor(private readonly store: Store, private readonly clock: Clock, private readonly cacheMs = 10_000) {}

  /** Create a key; the secret is returned here and never again. */
  async create(name: string, scopes: Scope[], secret?: string): Promise<{ key: ApiKeyRecord; secret: string }> {
    const s = secret ?? `pf_${randomBytes(32).toString('base64url')}`;
    if (!/^pf_[A-Za-z0-9_-]{16,}$/.test(s)) throw new AppError('CONFIG_INVALID', 'POSTFLOW_ADMIN_KEY: must look like pf_ followed by at least 16 letters, digits, - or _', { field: 'POSTFLOW_ADMIN_KEY' });
    const key: ApiKeyRecord = { id: ulid(), name, prefix: s.slice(0, 10), hash: hashKey(s), scopes: [...new Set(scopes)], createdAt: this.clock.now(), lastUsedAt: null, revokedAt: null };
    await this.store.createApiKey(key);
    return { key, secret: s };
  }

  /** The principal for a presented secret, or null when it is unknown or revoked. */
  async authenticate(secret: string): Promise<Principal | null> {
    const hash = hashKey(secret);
    const now = this.clock.now();
    let entry = this.cache.get(hash);
    if (!entry || entry.until <= now) {
      const key = await this.store.findApiKeyByHash(hash);
      entry = { key, until: now + this.cacheMs };
      this.cache.set(hash, entry);
      if (key && (key.lastUsedAt === null || now - key.lastUsedAt > 60_000)) await this.store.touchApiKey(key.id, now);
      if (this.cache.size > 10_000) this.cache.delete(this.cache.keys().next().value as string);
    }
    const k = entry.key;
    if (!k || k.revokedAt !== null) return null;
    return { keyId: k.id, name: k.name, scopes: k.scopes as Scope[] };
  }

  list(): Promise<ApiKeyRecord[]> {
    return this.store.listApiKeys();
  }

  async revoke(id: string): Promise<void> {
    const ok = await this.store.revokeApiKey(id, this.clock.now());
    if (!ok) throw new AppError('API_KEY_NOT_FOUND', `no active API key "${id}"`, { field: 'id' });
    this.cache.clear();
  }

  /**
   * Make sure an admin key exists: `configured` (POSTFLOW_ADMIN_KEY) is registered when new; otherwise,
   * when no key exists at all, one is generated. Returns a generated secret (to print once), else null.
   */
  async ensureAdmin(configured: string | undefined): Promise<string | null> {
    if (configured) {
      if (!(await this.store.findApiKeyByHash(hashKey(configured)))) await this.create('admin (POSTFLOW_ADMIN_KEY)', ['admin'], configured);
      return null;
    }
    if ((await this.store.countApiKeys()) > 0) return null;
    const { secret } = await this.create('admin (generated at first start)', ['admin']);
    return secret;
  }
}
