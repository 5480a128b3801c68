import { monotonicFactory } from 'ulid';
import { AppError, invalid } from '../domain/errors.js';
import { tagProblem } from '../domain/contact-text.js';
import { buildColumnMapping, mapRecord, type ColumnMapping, type RowError } from '../domain/csv-mapping.js';
import type { IdentifiedRow } from '../domain/contact-import-plan.js';
import type { Clock } from '../ports/clock.js';
import type { ContactStore, ImportJob } from '../ports/contact-store.js';
import { csvRecords, csvScan, type CsvRecord } from './csv-records.js';

/** A CSV to import: opened once to read the header, once to validate, once to import (a file, or an upload spooled to one). */
export interface ImportSource {
  /** File name for the job record, or "upload". */
  name: string;
  /** Size in bytes, when known (progress by bytes while validating). */
  size?: number;
  open(): AsyncIterable<Uint8Array>;
  /** Called once the import has ended (e.g. to remove a spooled upload). */
  dispose?(): Promise<void>;
}

/** How to read the file: column → target overrides (see parseTarget), tags added to every contact, and strictness. */
export interface ImportOptions {
  map?: Record<string, string>;
  tags?: string[];
  /** Import nothing when any row is bad (the default imports the good rows and lists the bad ones). */
  strict?: boolean;
}

/** Progress as an import runs (for a progress bar). */
export interface ImportProgress {
  phase: 'validating' | 'importing' | 'done';
  /** Bytes read in this phase. */
  bytes: number;
  job: ImportJob;
}

/** A job and its first row errors, as the API shows it. */
export interface ImportReport extends ImportJob {
  errors: RowError[];
}

/** Row errors a strict import lists (as the store keeps for any import). */
const MAX_LISTED_ERRORS = 1000;
/** Rows per transaction. */
const BATCH = 1000;
/** A running job whose record has not moved for this long belongs to a process that died. */
const STALE_MS = 120_000;
/** Validation refreshes the job's heartbeat this often (ms). */
const HEARTBEAT_MS = 5_000;

/** Errors worth another try: the store was busy, locked or briefly unreachable (a failed transaction wrote nothing). */
function transient(err: unknown): boolean {
  if (err instanceof AppError) return err.code === 'STORE_UNAVAILABLE';
  const e = err as { code?: string; message?: string };
  return /^SQLITE_BUSY|^SQLITE_LOCKED|^ECONNRESET|^ECONNREFUSED|^57P01|^40001|^40P01/.test(e.code ?? '') || /database is locked|Connection terminated/.test(e.message ?? '');
}

/** Run `fn`, again after 0.2, 0.4, 0.8… s while it fails transiently, at most `tries` times in all. */
async function retried<T>(fn: () => Promise<T>, tries: number): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (i >= tries || !transient(err)) throw err;
      await new Promise((r) => setTimeout(r, 100 * 2 ** i));
    }
  }
}

/**
 * Import contacts from CSV, streamed in bounded memory (a batch of rows at a time), in three reads of the source:
 * 1. at once: the header and options are checked — a missing email column, a bad mapping or a file that is not
 *    UTF-8 is refused with CSV_INVALID before any job exists;
 * 2. in the background, validation reads the whole file: a quote never closed, a record over 1 MiB or bytes that
 *    are not UTF-8 anywhere fail the job with nothing written, and the data records are counted (progress);
 * 3. the import upserts by email in batches, each batch and the job's counters in one transaction; a bad row
 *    (invalid email, unknown status, wrong field count…) is reported with its line and never stops the import.
 */
export class ImportContacts {
  private readonly nextId = monotonicFactory();
  private readonly running = new Map<string, Promise<ImportJob>>();

  constructor(private readonly store: ContactStore, private readonly clock: Clock, private readonly batchSize = BATCH) {}

  /** Check the header and options, create the job, and start it; `done` settles with the finished job. */
  async start(source: ImportSource, options: ImportOptions = {}, onProgress?: (p: ImportProgress) => void): Promise<{ job: ImportJob; done: Promise<ImportJob> }> {
    const tags = [...new Set(options.tags ?? [])];
    tags.forEach((t, i) => {
      const p = tagProblem(t);
      if (p) throw invalid(`tags[${i}]`, p);
    });
    const map = options.map ?? {};
    const mapping = await this.readHeader(source, map);
    const now = this.clock.now();
    const job: ImportJob = {
      id: this.nextId(now), state: 'validating', source: source.name, totalRows: null, rowsRead: 0, inserted: 0, updated: 0, failed: 0,
      error: null, options: { map, tags, ...(options.strict ? { strict: true } : {}) }, createdAt: now, updatedAt: now, finishedAt: null,
    };
    await this.store.createImport(job);
    const done = this.run(job, source, mapping.mapping, mapping.headerLine, tags, onProgress).finally(() => this.running.delete(job.id));
    this.running.set(job.id, done);
    return { job, done };
  }

  /** A job with its first `limit` row errors; a job left running by a dead process reads as `interrupted`. */
  async get(id: string, limit = 100): Promise<ImportReport> {
    const job = await this.store.getImport(id);
    if (!job) throw new AppError('IMPORT_NOT_FOUND', `id: no import has the id "${id}"`, { field: 'id' });
    const live = job.state === 'validating' || job.state === 'importing';
    if (live && !this.running.has(id) && this.clock.now() - job.updatedAt > STALE_MS) job.state = 'interrupted';
    return { ...job, errors: await this.store.listImportErrors(id, limit) };
  }

  /** Resolves when every import this process started has finished (tests and shutdown). */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.running.values()]);
  }

  private async readHeader(source: ImportSource, map: Record<string, string>): Promise<{ mapping: ColumnMapping; headerLine: number }> {
    let header: CsvRecord | undefined;
    for await (const r of csvRecords(source.open())) {
      header = r;
      break;
    }
    if (!header) throw new AppError('CSV_INVALID', 'the file is empty: expected a header line such as "email,first_name,last_name"', { field: 'file' });
    const m = buildColumnMapping(header.cells, map);
    if (!('columns' in m)) throw new AppError('CSV_INVALID', `${m.field}: ${m.message}`, { field: m.field });
    return { mapping: m, headerLine: header.line };
  }

  private async run(job: ImportJob, source: ImportSource, mapping: ColumnMapping, headerLine: number, tags: string[], onProgress?: (p: ImportProgress) => void): Promise<ImportJob> {
    const progress = async (phase: ImportProgress['phase'], bytes: number) => {
      if (onProgress) onProgress({ phase, bytes, job: (await this.store.getImport(job.id)) ?? job });
    };
    try {
      // Pass 2: the whole file must parse before anything is written.
      let bytes = 0;
      let beat = Date.now();
      let beating: Promise<unknown> = Promise.resolve();
      // Strict: rows are read through the mapping while validating, and any bad one stops the import here.
      const bad: RowError[] = [];
      let badRows = 0;
      const check = job.options.strict
        ? (r: CsvRecord) => {
            if (r.line === headerLine) return;
            const row = mapRecord(mapping, r.cells, r.line);
            if ('email' in row) return;
            if (++badRows <= MAX_LISTED_ERRORS) bad.push(row);
          }
        : undefined;
      const scan = await csvScan(source.open(), (n) => {
        bytes += n;
        onProgress?.({ phase: 'validating', bytes, job });
        // A heartbeat at most every few seconds, so a long validation never reads as interrupted.
        if (Date.now() - beat > HEARTBEAT_MS) {
          beat = Date.now();
          beating = this.store.setImportState(job.id, 'validating', this.clock.now()).catch(() => undefined);
        }
      }, check);
      await beating;
      const total = scan.records - 1;
      if (badRows > 0) {
        await this.store.applyImportBatch({ importId: job.id, rows: [], errors: bad, rowsRead: 0, tags, now: this.clock.now() });
        const message = `${badRows} of ${total} rows are invalid (first on line ${bad[0]!.line}); strict import: nothing was written`;
        await this.store.setImportState(job.id, 'failed', this.clock.now(), { totalRows: total, failed: badRows, error: { code: 'CSV_INVALID', message, line: bad[0]!.line } });
        return await this.finish(job, source, onProgress);
      }
      await this.store.setImportState(job.id, 'importing', this.clock.now(), { totalRows: total });
      await progress('importing', 0);

      // Pass 3: upsert in batches; each batch and the counters commit together.
      let rows: IdentifiedRow[] = [];
      let errors: RowError[] = [];
      let read = 0;
      bytes = 0;
      const flush = async () => {
        const batch = { importId: job.id, rows, errors, rowsRead: read, tags, now: this.clock.now() };
        // A batch is one transaction: after a transient failure (a busy or restarting store) it can simply run again.
        await retried(() => this.store.applyImportBatch(batch), 5);
        rows = [];
        errors = [];
        await progress('importing', bytes);
      };
      for await (const r of csvRecords(source.open(), (n) => (bytes += n))) {
        if (r.line === headerLine) continue;
        read++;
        const row = mapRecord(mapping, r.cells, r.line);
        if ('email' in row) rows.push({ ...row, newId: this.nextId(this.clock.now()) });
        else errors.push(row);
        if (rows.length + errors.length >= this.batchSize) await flush();
      }
      if (rows.length + errors.length > 0 || read === 0) await flush();
      await this.store.setImportState(job.id, 'completed', this.clock.now());
    } catch (err) {
      const e = err instanceof AppError ? err : null;
      const line = e?.details?.line as number | undefined;
      const error = e
        ? { code: e.code, message: e.message, ...(e.field ? { field: e.field } : {}), ...(line !== undefined ? { line } : {}) }
        : { code: 'INTERNAL', message: `the import stopped: ${(err as Error).message}` };
      // The store may be what failed: try to record it a few times, and report it to the caller regardless.
      const failed = await retried(() => this.store.setImportState(job.id, 'failed', this.clock.now(), { error }), 5).then(() => true, () => false);
      return this.finish(job, source, onProgress, failed ? undefined : error);
    }
    return this.finish(job, source, onProgress);
  }

  private async finish(job: ImportJob, source: ImportSource, onProgress?: (p: ImportProgress) => void, unrecorded?: ImportJob['error']): Promise<ImportJob> {
    await source.dispose?.().catch(() => undefined);
    let final = (await this.store.getImport(job.id).catch(() => null)) ?? job;
    if (unrecorded) final = { ...final, state: 'failed', error: unrecorded };
    onProgress?.({ phase: 'done', bytes: 0, job: final });
    return final;
  }
}
