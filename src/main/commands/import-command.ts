import { InvalidArgumentError, type Command } from 'commander';

const collectMap = (value: string, prev: Record<string, string>): Record<string, string> => {
  const eq = value.lastIndexOf('=');
  if (eq <= 0 || eq === value.length - 1) throw new InvalidArgumentError('expected COLUMN=TARGET, e.g. "E-mail Address=email" or "Seats=attributes.seats:number"');
  return { ...prev, [value.slice(0, eq)]: value.slice(eq + 1) };
};

const n = (x: number) => x.toLocaleString('en-US');

// The command has the store to itself, so it takes larger transactions and a larger SQLite page cache than the
// server does (whose writes share the connection with accepts): 300,000 rows in scrambled order took 18.9 s with
// 5,000-row batches and 64 MiB against 27–32 s with 1,000 and the default 2 MiB (bench/RESULTS.md, "Contact import").
const CLI_BATCH = 5000;
const CLI_CACHE_KIB = 65_536;

/**
 * `import <file.csv>`: import contacts from CSV into the configured store, with a progress bar on stderr and the
 * result as JSON on stdout. Exit status: 0 all rows imported; 3 imported with row errors (listed on stderr);
 * 1 the file was refused while validating (nothing written); 2 refused at once (bad option or header).
 */
export function registerImportCommand(program: Command): void {
  program.command('import').description('Import contacts from a CSV file (upsert by email), with progress')
    .argument('<file>', 'a UTF-8 CSV file with a header line; one column holds the email')
    .option('--map <column=target>', 'read a column as a field (email, external_id, first_name, last_name, company, status, tags, attributes), attributes.NAME[:string|number|boolean|json], or - to ignore (repeatable)', collectMap, {})
    .option('--tags <tags>', 'comma-separated tags added to every imported contact')
    .option('--strict', 'import nothing if any row is bad (default: import the good rows, list the bad ones)')
    .option('--errors <n>', 'row errors to list on stderr', '20')
    .action(async (file: string, o: { map: Record<string, string>; tags?: string; strict?: boolean; errors: string }) => {
      const { stat } = await import('node:fs/promises');
      const { createReadStream } = await import('node:fs');
      const { loadConfig } = await import('../../config/config.js');
      const { AppError } = await import('../../domain/errors.js');
      const { exitOnConfigError } = await import('../serve.js');
      const { openStore } = await import('../../adapters/store/open-store.js');
      const { createContactParts } = await import('../contact-runtime.js');
      const { systemClock } = await import('../../ports/clock.js');
      const { ProgressBar } = await import('./progress-bar.js');
      const { sql } = await import('kysely');
      let config;
      try {
        config = loadConfig(process.env);
      } catch (err) {
        return exitOnConfigError(err);
      }
      let size: number;
      try {
        size = (await stat(file)).size;
      } catch (err) {
        process.stderr.write(`postflow import: cannot read ${file}: ${(err as Error).message}\n`);
        process.exitCode = 2;
        return;
      }
      const store = openStore(config.databaseUrl, config.dataDir, config.dbPoolSize);
      try {
        await store.migrate();
        if (store.dialect === 'sqlite') await sql.raw(`PRAGMA cache_size = -${CLI_CACHE_KIB}`).execute(store.sqlContext().db);
        const parts = createContactParts({ sql: store.sqlContext(), store, clock: systemClock, dataDir: config.dataDir, importBatch: CLI_BATCH });
        const bar = new ProgressBar(process.stderr);
        const started = Date.now();
        const source = { name: file, size, open: () => createReadStream(file, { highWaterMark: 256 * 1024 }) };
        let result;
        try {
          const tags = o.tags ? o.tags.split(',').map((t) => t.trim()).filter((t) => t !== '') : [];
          const { done } = await parts.imports.start(source, { map: o.map, tags, strict: o.strict }, (p) => {
            const j = p.job;
            if (p.phase === 'validating') bar.update(p.bytes / Math.max(1, size), `validating ${n(p.bytes)} of ${n(size)} bytes`);
            if (p.phase === 'importing') {
              const secs = (Date.now() - started) / 1000;
              bar.update(j.totalRows ? j.rowsRead / j.totalRows : null, `${n(j.rowsRead)}/${n(j.totalRows ?? 0)} rows, ${n(Math.round(j.rowsRead / Math.max(secs, 0.001)))} rows/s, inserted ${n(j.inserted)}, updated ${n(j.updated)}, failed ${n(j.failed)}`, j.rowsRead === j.totalRows);
            }
          });
          result = await done;
        } catch (err) {
          if (!(err instanceof AppError)) throw err;
          process.stderr.write(`postflow import: ${err.code}: ${err.message}\n`);
          process.exitCode = 2;
          return;
        }
        const secs = (Date.now() - started) / 1000;
        bar.done(result.state === 'completed'
          ? `imported ${n(result.rowsRead)} rows in ${secs.toFixed(1)} s: inserted ${n(result.inserted)}, updated ${n(result.updated)}, failed ${n(result.failed)}`
          : `import failed: ${result.error?.message ?? 'unknown error'} (nothing was written)`);
        const report = await parts.imports.get(result.id, Math.max(0, Number(o.errors) || 0));
        for (const e of report.errors) process.stderr.write(`  line ${e.line}${e.field ? ` (${e.field})` : ''}: ${e.message}\n`);
        if (report.failed > report.errors.length) process.stderr.write(`  … and ${n(report.failed - report.errors.length)} more row errors\n`);
        process.stdout.write(`${JSON.stringify({ id: result.id, state: result.state, total_rows: result.totalRows, rows_read: result.rowsRead, inserted: result.inserted, updated: result.updated, failed: result.failed, error: result.error, seconds: Number(secs.toFixed(3)) })}\n`);
        process.exitCode = result.state !== 'completed' ? 1 : result.failed > 0 ? 3 : 0;
      } finally {
        await store.close();
      }
    });
}
