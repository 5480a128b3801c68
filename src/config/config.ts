import { readFileSync } from 'node:fs';
import { createPrivateKey } from 'node:crypto';
import { AppError } from '../domain/errors.js';
import { parseMailbox, type Mailbox } from '../domain/address.js';
import { parseDomainLimits, type DomainLimits } from '../domain/throttle-policy.js';
import { DEFAULT_IN_DOUBT, IN_DOUBT_POLICIES, type InDoubtPolicy } from '../domain/in-doubt.js';
import { GC_MODES, type GcMode } from './gc-mode.js';
import { configFilePath } from './config-file.js';

/** Postflow's validated configuration. */
export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl?: string;
  redisUrl?: string;
  /** Put before every Redis key of this installation. */
  redisPrefix: string;
  adminKey?: string;
  smtpUrl?: string;
  secret?: string;
  googleApiUrl?: string;
  googleTokenUrl?: string;
  /** Concurrent delivery loops per worker process. */
  workers: number;
  /** Threads that compose and send beside the main thread; 'auto' = cores − 1, at most 4. */
  deliveryThreads: number | 'auto';
  /** Threads that parse and validate large send-batch bodies (0: on the main thread). */
  acceptThreads: number;
  /** Page cache of the SQLite connection, MiB. */
  sqliteCacheMiB: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  from: Mailbox;
  batchSize: number;
  leaseMs: number;
  idleMs: number;
  maxRetries: number;
  retryBaseMs: number;
  /** Requests per second per API key (burst: twice that). */
  keyRateLimit: number;
  dbPoolSize: number;
  /** Per recipient domain per minute; undefined = the seed defaults for network transports, none for capture. */
  domainLimits?: DomainLimits;
  /** Sends per second through this process's relay / across all processes; 0 = unlimited. */
  relayRate: number;
  globalRate: number;
  queueLifetimeHours: number;
  /** Minutes between scheduled directory syncs of each service account; 0 = on demand only. */
  directorySyncMinutes: number;
  dkimDomain?: string;
  dkimSelector?: string;
  /** PEM text of the DKIM private key (POSTFLOW_DKIM_KEY: a file path or the PEM itself). */
  dkimKey?: string;
  /** Base URL recipients reach this installation at (unsubscribe links); default http://localhost:<port>. */
  publicUrl?: string;
  /** Address for mailto: unsubscribes in List-Unsubscribe, or none. */
  unsubscribeMailto?: string;
  /** Most messages a running campaign keeps materialised ahead of sending (held, not yet in the queue). */
  campaignLookahead: number;
  /** V8's old-generation growing factor, in percent above what is live after a collection (0: V8's own choice). */
  heapGrowingPercent: number;
  /** Garbage collection of the server processes (applied by bin/postflow.js when it starts them; config/gc-mode.ts). */
  gc: GcMode;
  /** After a crash, a message to a contact (campaigns) whose end of data was written but not answered: resend or not (domain/in-doubt.ts). */
  inDoubtMarketing: InDoubtPolicy;
  /** The same for transactional messages. */
  inDoubtTransactional: InDoubtPolicy;
}

interface Field {
  env: string;
  key: keyof Config;
  parse: (raw: string) => unknown;
  def?: unknown;
}

const int = (min: number, max: number) => (raw: string): number => {
  const n = Number(raw);
  if (!/^-?\d+$/.test(raw.trim()) || n < min || n > max) throw new Error(`must be a whole number from ${min} to ${max}`);
  return n;
};
const str = (raw: string): string => {
  if (raw.trim() === '') throw new Error('must not be empty');
  return raw.trim();
};
const url = (schemes: string[]) => (raw: string): string => {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new Error('must be a URL');
  }
  if (!schemes.includes(u.protocol.replace(/:$/, ''))) throw new Error(`must be a ${schemes.join(' or ')} URL`);
  return raw;
};
const oneOf = (values: string[]) => (raw: string): string => {
  if (!values.includes(raw)) throw new Error(`must be one of ${values.join(', ')}`);
  return raw;
};

const FIELDS: Field[] = [
  { env: 'POSTFLOW_PORT', key: 'port', parse: int(0, 65535), def: 8787 },
  { env: 'POSTFLOW_HOST', key: 'host', parse: str, def: '127.0.0.1' },
  { env: 'POSTFLOW_DATA_DIR', key: 'dataDir', parse: str, def: './data' },
  { env: 'POSTFLOW_DATABASE_URL', key: 'databaseUrl', parse: (r) => (/^postgres(ql)?:\/\//.test(r) ? url(['postgres', 'postgresql'])(r) : /^sqlite:/.test(r) ? r : (() => { throw new Error('must be postgres://… or sqlite:PATH'); })()) },
  { env: 'POSTFLOW_REDIS_URL', key: 'redisUrl', parse: (r) => { url(['redis', 'rediss'])(r); if (!new URL(r).hostname) throw new Error('must name a host (redis://host:6379)'); return r; } },
  { env: 'POSTFLOW_REDIS_PREFIX', key: 'redisPrefix', parse: (r) => { if (!/^[A-Za-z0-9:_.{}-]{1,64}$/.test(r)) throw new Error('must be 1 to 64 of A–Z a–z 0–9 : _ . - { }'); return r; }, def: 'postflow:' },
  { env: 'POSTFLOW_ADMIN_KEY', key: 'adminKey', parse: (r) => { if (!/^pf_[A-Za-z0-9_-]{16,}$/.test(r)) throw new Error('must look like pf_ followed by at least 16 letters, digits, - or _'); return r; } },
  { env: 'POSTFLOW_SMTP_URL', key: 'smtpUrl', parse: url(['smtp', 'smtps']) },
  { env: 'POSTFLOW_SECRET', key: 'secret', parse: (r) => { if (r.length < 32) throw new Error('must be at least 32 characters'); return r; } },
  { env: 'POSTFLOW_GOOGLE_API_URL', key: 'googleApiUrl', parse: url(['http', 'https']) },
  { env: 'POSTFLOW_GOOGLE_TOKEN_URL', key: 'googleTokenUrl', parse: url(['http', 'https']) },
  { env: 'POSTFLOW_WORKERS', key: 'workers', parse: int(0, 256), def: 4 },
  { env: 'POSTFLOW_DELIVERY_THREADS', key: 'deliveryThreads', parse: (r) => (r === 'auto' ? r : int(0, 16)(r)), def: 'auto' },
  { env: 'POSTFLOW_ACCEPT_THREADS', key: 'acceptThreads', parse: int(0, 16), def: 1 },
  { env: 'POSTFLOW_SQLITE_CACHE_MB', key: 'sqliteCacheMiB', parse: int(2, 4096), def: 16 },
  { env: 'POSTFLOW_LOG_LEVEL', key: 'logLevel', parse: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']), def: 'info' },
  { env: 'POSTFLOW_FROM', key: 'from', parse: (r) => { const m = parseMailbox(r); if (typeof m === 'string') throw new Error(m); return m; }, def: 'Postflow <postflow@postflow.local>' },
  { env: 'POSTFLOW_BATCH_SIZE', key: 'batchSize', parse: int(1, 5000), def: 100 },
  { env: 'POSTFLOW_LEASE_MS', key: 'leaseMs', parse: int(1000, 3_600_000), def: 60_000 },
  { env: 'POSTFLOW_IDLE_MS', key: 'idleMs', parse: int(10, 60_000), def: 500 },
  { env: 'POSTFLOW_MAX_RETRIES', key: 'maxRetries', parse: int(0, 50), def: 3 },
  { env: 'POSTFLOW_RETRY_BASE_MS', key: 'retryBaseMs', parse: int(100, 86_400_000), def: 120_000 },
  { env: 'POSTFLOW_KEY_RATE_LIMIT', key: 'keyRateLimit', parse: int(1, 1_000_000), def: 200 },
  { env: 'POSTFLOW_DB_POOL_SIZE', key: 'dbPoolSize', parse: int(1, 200), def: 10 },
  { env: 'POSTFLOW_DOMAIN_LIMITS', key: 'domainLimits', parse: (r) => { const l = parseDomainLimits(r); if (typeof l === 'string') throw new Error(l); return l; } },
  { env: 'POSTFLOW_RELAY_RATE', key: 'relayRate', parse: int(0, 1_000_000), def: 0 },
  { env: 'POSTFLOW_GLOBAL_RATE', key: 'globalRate', parse: int(0, 1_000_000), def: 0 },
  { env: 'POSTFLOW_DKIM_DOMAIN', key: 'dkimDomain', parse: (r) => { if (!/^[a-z0-9.-]+\.[a-z0-9-]+$/i.test(r)) throw new Error('must be a domain name'); return r.toLowerCase(); } },
  { env: 'POSTFLOW_DKIM_SELECTOR', key: 'dkimSelector', parse: (r) => { if (!/^[a-z0-9][a-z0-9._-]*$/i.test(r)) throw new Error('must be a DNS label (letters, digits, ., -, _)'); return r; } },
  { env: 'POSTFLOW_DKIM_KEY', key: 'dkimKey', parse: (r) => {
    const pem = r.includes('-----BEGIN') ? r : (() => { try { return readFileSync(r, 'utf8'); } catch (e) { throw new Error(`cannot read key file: ${(e as Error).message}`); } })();
    try { createPrivateKey(pem); } catch { throw new Error('is not a PEM private key (RSA or Ed25519)'); }
    return pem;
  } },
  { env: 'POSTFLOW_QUEUE_LIFETIME_HOURS', key: 'queueLifetimeHours', parse: int(1, 24 * 30), def: 72 },
  { env: 'POSTFLOW_PUBLIC_URL', key: 'publicUrl', parse: (r) => url(['http', 'https'])(r.replace(/\/+$/, '')) },
  { env: 'POSTFLOW_CAMPAIGN_LOOKAHEAD', key: 'campaignLookahead', parse: int(10, 100_000), def: 5000 },
  { env: 'POSTFLOW_HEAP_GROWING_PERCENT', key: 'heapGrowingPercent', parse: int(0, 400), def: 20 },
  { env: 'POSTFLOW_GC', key: 'gc', parse: oneOf([...GC_MODES]), def: 'auto' },
  { env: 'POSTFLOW_IN_DOUBT_MARKETING', key: 'inDoubtMarketing', parse: oneOf([...IN_DOUBT_POLICIES]), def: DEFAULT_IN_DOUBT.marketing },
  { env: 'POSTFLOW_IN_DOUBT_TRANSACTIONAL', key: 'inDoubtTransactional', parse: oneOf([...IN_DOUBT_POLICIES]), def: DEFAULT_IN_DOUBT.transactional },
  { env: 'POSTFLOW_UNSUBSCRIBE_MAILTO', key: 'unsubscribeMailto', parse: (r) => { const m = parseMailbox(r); if (typeof m === 'string' || m.name) throw new Error('must be a bare email address'); return m.address; } },
  { env: 'POSTFLOW_DIRECTORY_SYNC_MINUTES', key: 'directorySyncMinutes', parse: int(0, 7 * 24 * 60), def: 60 },
];

/** The environment variables Postflow reads, for docs and `postflow config`. */
export const CONFIG_VARIABLES = FIELDS.map((f) => f.env);

/**
 * Build the configuration from a JSON file (POSTFLOW_CONFIG, or `postflow.config.json` when present) and the
 * environment, the environment winning. Every value is validated; all problems are reported together.
 */
/**
 * Delivery threads for POSTFLOW_DELIVERY_THREADS=auto on a machine with `cores` cores: one per core beyond the first,
 * at most 4 — but two on two cores, where one thread is the pipeline's narrowest part and spends a third of a
 * `postflow bench` run runnable but waiting for a core (bench/RESULTS.md, session 14) — and none on one core.
 */
export function autoDeliveryThreads(cores: number): number {
  return cores <= 1 ? 0 : Math.min(4, Math.max(2, cores - 1));
}

export function loadConfig(env: Record<string, string | undefined>, cwd = '.'): Config {
  const file = configFilePath(env, cwd);
  let fromFile: Record<string, unknown> = {};
  if (file) {
    try {
      fromFile = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch (err) {
      throw new AppError('CONFIG_INVALID', `POSTFLOW_CONFIG: cannot read ${file}: ${(err as Error).message}`, { field: 'POSTFLOW_CONFIG' });
    }
    const known = new Set(FIELDS.map((f) => f.env));
    const unknown = Object.keys(fromFile).filter((k) => !known.has(k));
    if (unknown.length) throw new AppError('CONFIG_INVALID', `${file}: unknown setting ${unknown.join(', ')} (settings use the POSTFLOW_* names)`, { field: unknown[0] });
  }
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const f of FIELDS) {
    const raw = env[f.env] ?? (fromFile[f.env] === undefined ? undefined : String(fromFile[f.env]));
    const value = raw === undefined || raw === '' ? (f.def === undefined ? undefined : String(f.def)) : raw;
    if (value === undefined) continue;
    try {
      out[f.key] = f.parse(value);
    } catch (err) {
      // Secrets are not echoed, nor the password of a URL (database, Redis, relay).
      const shown = f.env === 'POSTFLOW_ADMIN_KEY' || f.env === 'POSTFLOW_SECRET' || f.env === 'POSTFLOW_DKIM_KEY' ? '…' : value.replace(/(\/\/[^:@/]*):[^@/]*@/, '$1:***@');
      problems.push(`${f.env}: ${(err as Error).message} (got "${shown}")`);
    }
  }
  const dkimSet = ['dkimDomain', 'dkimSelector', 'dkimKey'].filter((k) => out[k] !== undefined).length;
  if (dkimSet !== 0 && dkimSet !== 3) problems.push('POSTFLOW_DKIM_DOMAIN, POSTFLOW_DKIM_SELECTOR and POSTFLOW_DKIM_KEY: set all three to sign with DKIM, or none');
  if (problems.length) throw new AppError('CONFIG_INVALID', `invalid configuration:\n  ${problems.join('\n  ')}`, { field: problems[0]!.split(':')[0] });
  return out as unknown as Config;
}
