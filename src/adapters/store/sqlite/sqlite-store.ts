import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, sql, type Transaction } from 'kysely';
import type { Database } from '../schema.js';
import { migrationsFor } from '../migrations.js';
import { SqlStore } from '../sql-store.js';
import type { DeliveryResult, InsertResult, MessageColumns, MessageRecord, Suppression } from '../../../ports/store.js';
import { rowToSuppression } from '../rows.js';
import { SqliteHotPath } from './sqlite-hot-path.js';
import { Checkpointer } from './checkpointer.js';
import { SqliteRecipientIndexer } from './recipient-indexer.js';
import { createRequire } from 'node:module';

/** The recipient index catches up once inserts have paused this long (ms)… */
const INDEX_DELAY_MS = 500;
/** …or this long after the first insert it has not indexed, if they never pause (ms). */
const INDEX_MAX_DELAY_MS = 3000;
/** How often the recipient index looks for messages stored by other means (ms). */
const INDEX_SWEEP_MS = 5000;

/** Page size of a new database file (bytes). */
const NEW_PAGE_SIZE = 16_384;
/** The connection's page cache unless configured (MiB). */
const DEFAULT_CACHE_MIB = 16;

/** How a SQLite store is run: page cache, and the checkpointer's pace (tests shorten it). */
export interface SqliteOptions {
  /** Page cache of the main connection in MiB (POSTFLOW_SQLITE_CACHE_MB). */
  cacheMiB?: number;
  /** How often the checkpointer thread runs a PASSIVE checkpoint (ms). */
  everyMs?: number;
  /** WAL size after a PASSIVE checkpoint beyond which the WAL is started over, in the write slot (bytes, default 64 MiB). */
  restartBytes?: number;
  /** The WAL file is cut back to this size when it starts over (bytes). */
  walLimitBytes?: number;
  /** The recipient index step waits for inserts to pause this long (ms, default 500)… */
  indexDelayMs?: number;
  /** …but not longer than this after the first insert it has not indexed (ms, default 3,000). */
  indexMaxDelayMs?: number;
}

/** The embedded store: one SQLite file in WAL mode, shared safely by several processes on one machine. */
export class SqliteStore extends SqlStore {
  readonly dialect = 'sqlite' as const;
  protected readonly skipLocked = false;
  // Kysely's SQLite driver runs one statement at a time on one connection; this queue keeps
  // our explicit BEGIN IMMEDIATE … COMMIT blocks from interleaving with each other.
  private txQueue: Promise<unknown> = Promise.resolve();

  private hot: SqliteHotPath | null = null;
  private indexer: SqliteRecipientIndexer | null = null;
  private indexTimer: NodeJS.Timeout | null = null;
  /** Inserts waiting for the timer's step: when the first and the last of them were made (ms; 0: none). */
  private unindexedSince = 0;
  private lastInsertAt = 0;
  private indexTick: NodeJS.Timeout | null = null;
  private closed = false;

  /** The WAL's checkpoints of a file database (none for ':memory:'). */
  private checkpointer: Checkpointer | null = null;

  private constructor(db: Kysely<Database>, private readonly raw: BetterSqlite3.Database, readonly file: string, private readonly opts: SqliteOptions) {
    super(db, migrationsFor('sqlite'));
  }

  /** Open (creating the folder and file when needed) the database at `file`, or ':memory:'. */
  static open(file: string, opts: SqliteOptions = {}): SqliteStore {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    const raw = new BetterSqlite3(file);
    // A new database gets 16 KiB pages: a commit writes each dirty page to the WAL with its own system calls, and
    // the accept path's commits are mostly appends (docs/adr/0023-sqlite-settings.md). No effect on an existing file.
    raw.pragma(`page_size = ${NEW_PAGE_SIZE}`);
    raw.pragma('journal_mode = WAL');
    // NORMAL is durable across process crashes in WAL mode (only an OS crash can lose the last commits).
    raw.pragma('synchronous = NORMAL');
    raw.pragma('busy_timeout = 10000');
    raw.pragma('foreign_keys = ON');
    // Negative: KiB. SQLite's default (2 MiB) is smaller than the recipient index a step updates at random.
    raw.pragma(`cache_size = ${-1024 * (opts.cacheMiB ?? DEFAULT_CACHE_MIB)}`);
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: raw }) });
    const store = new SqliteStore(db, raw, file, opts);
    // A file database checkpoints from its own thread (see Checkpointer); this connection never stalls on fsync,
    // and the thread's RESTART runs in this connection's write slot.
    if (file !== ':memory:') {
      raw.pragma('wal_autocheckpoint = 0');
      // When the WAL starts over, a file grown past this is cut back to it (bounded disk use after a burst).
      raw.pragma(`journal_size_limit = ${opts.walLimitBytes ?? 64 * 1024 * 1024}`);
      store.checkpointer = new Checkpointer(file, createRequire(import.meta.url).resolve('better-sqlite3'), (fn) => store.serial(fn), opts);
    }
    return store;
  }

  override async close(): Promise<void> {
    this.closed = true;
    if (this.indexTimer) clearTimeout(this.indexTimer);
    if (this.indexTick) clearInterval(this.indexTick);
    await this.txQueue;
    await super.close();
    await this.checkpointer?.stop();
  }

  override async migrate(): Promise<string[]> {
    const applied = await super.migrate();
    this.hot = new SqliteHotPath(this.raw);
    this.indexer = new SqliteRecipientIndexer(this.raw);
    this.scheduleIndexing(0);
    // Messages written by other paths (campaign batches) or other processes are indexed too, a little later.
    this.indexTick ??= setInterval(() => this.scheduleIndexing(0), INDEX_SWEEP_MS);
    this.indexTick.unref();
    return applied;
  }

  override insertMessageColumns(columns: MessageColumns): Promise<InsertResult[]> {
    if (columns.count === 0) return Promise.resolve([]);
    const out = this.serial(() => this.hotPath().insertMessages(columns));
    const now = Date.now();
    this.lastInsertAt = now;
    if (this.unindexedSince === 0) this.unindexedSince = now;
    this.scheduleIndexing(this.opts.indexDelayMs ?? INDEX_DELAY_MS);
    return out;
  }

  // While inserts keep coming (a burst through the API), the index step waits for them to pause, up to
  // INDEX_MAX_DELAY_MS: it takes the writer's thread from the inserts and claims of the burst otherwise, and one
  // larger chunk afterwards costs less per message (bench/RESULTS.md, session 13). Null: the step may run now.
  private indexWait(now: number): number | null {
    if (this.unindexedSince === 0) return null;
    const quietAt = this.lastInsertAt + (this.opts.indexDelayMs ?? INDEX_DELAY_MS);
    const latest = this.unindexedSince + (this.opts.indexMaxDelayMs ?? INDEX_MAX_DELAY_MS);
    const at = Math.min(quietAt, latest);
    return at > now ? at - now : null;
  }

  /**
   * Index recipients of newly stored messages a little later, in one large chunk rather than one random B-tree
   * insert per accepted message (docs/adr/0010-recipient-index.md). Runs in the write queue like any write.
   */
  private scheduleIndexing(delayMs: number): void {
    if (this.indexTimer || this.closed || !this.indexer) return;
    this.indexTimer = setTimeout(() => {
      const wait = this.indexWait(Date.now());
      if (wait !== null) {
        this.indexTimer = null;
        this.scheduleIndexing(wait);
        return;
      }
      this.unindexedSince = 0;
      void this.serial(() => (this.closed ? 0 : this.indexer!.step())).then((n) => {
        this.indexTimer = null;
        // A full chunk means more is waiting: go on soon, but let other writes in between.
        if (n > 0) this.scheduleIndexing(INDEX_DELAY_MS / 5);
      }, () => {
        // The file is busy or closing: the tail stays searchable; try again later.
        this.indexTimer = null;
        this.scheduleIndexing(INDEX_DELAY_MS * 4);
      });
    }, delayMs);
    this.indexTimer.unref();
  }

  override findSuppressions(addresses: string[]): Promise<Map<string, Suppression>> {
    const out = new Map<string, Suppression>();
    if (addresses.length === 0) return Promise.resolve(out);
    const wanted = [...new Set(addresses.map((a) => a.toLowerCase()))];
    for (const r of this.hotPath().suppressionRows(wanted)) out.set(r.address, rowToSuppression(r));
    return Promise.resolve(out);
  }

  override claimMessages(owner: string, now: number, limit: number, leaseMs: number): Promise<MessageRecord[]> {
    return this.serial(() => this.hotPath().claimMessages(owner, now, limit, leaseMs));
  }

  override recordResults(owner: string, results: DeliveryResult[]): Promise<string[]> {
    if (results.length === 0) return Promise.resolve([]);
    return this.serial(() => this.hotPath().recordResults(owner, results));
  }

  private hotPath(): SqliteHotPath {
    // Prepared after migrations: the statements name tables that must exist.
    this.hot ??= new SqliteHotPath(this.raw);
    return this.hot;
  }

  /** Run `fn` when no other write transaction of this store is open (they share one connection). */
  private serial<T>(fn: () => Promise<T> | T): Promise<T> {
    const next = this.txQueue.then(fn, fn);
    this.txQueue = next.catch(() => undefined);
    return next;
  }

  protected writeTx<T>(fn: (trx: Kysely<Database> | Transaction<Database>) => Promise<T>): Promise<T> {
    return this.serial(() =>
      this.db.connection().execute(async (conn) => {
        // IMMEDIATE takes the write lock up front, so two processes never deadlock upgrading a read lock.
        await sql`BEGIN IMMEDIATE`.execute(conn);
        try {
          const out = await fn(conn);
          await sql`COMMIT`.execute(conn);
          return out;
        } catch (err) {
          await sql`ROLLBACK`.execute(conn).catch(() => undefined);
          throw err;
        }
      }));
  }
}
