import type { Command } from 'commander';
import { CONTACT_STATUSES } from '../../domain/contact.js';

/** `export`: write contacts as CSV (all, or a status, tag or segment) to stdout or a file; exit 2 on a refused filter. */
export function registerExportCommand(program: Command): void {
  program.command('export').description('Export contacts as CSV (with --raw, the file imports back with `postflow import`)')
    .option('--out <file>', 'write to this file instead of stdout')
    .option('--status <status>', `only this status (${CONTACT_STATUSES.join(', ')})`)
    .option('--tag <tag>', 'only contacts with this tag')
    .option('--segment <id>', 'only contacts in this segment')
    .option('--raw', "cells exactly as stored (default: a cell starting with =, +, -, @, TAB or CR gets a leading ' so spreadsheets do not run it); use it for a file to import back")
    .action(async (o: { out?: string; status?: string; tag?: string; segment?: string; raw?: boolean }) => {
      const { createWriteStream } = await import('node:fs');
      const { Readable } = await import('node:stream');
      const { pipeline } = await import('node:stream/promises');
      const { loadConfig } = await import('../../config/config.js');
      const { AppError } = await import('../../domain/errors.js');
      const { isContactStatus } = await import('../../domain/contact.js');
      const { exitOnConfigError } = await import('../serve.js');
      const { openStore } = await import('../../adapters/store/open-store.js');
      const { createContactParts } = await import('../contact-runtime.js');
      const { systemClock } = await import('../../ports/clock.js');
      let config;
      try {
        config = loadConfig(process.env);
      } catch (err) {
        return exitOnConfigError(err);
      }
      if (o.status !== undefined && !isContactStatus(o.status)) {
        process.stderr.write(`postflow export: VALIDATION_FAILED: status: must be one of ${CONTACT_STATUSES.join(', ')}\n`);
        process.exitCode = 2;
        return;
      }
      const store = openStore(config.databaseUrl, config.dataDir, config.dbPoolSize);
      try {
        await store.migrate();
        const parts = createContactParts({ sql: store.sqlContext(), store, clock: systemClock, dataDir: config.dataDir });
        let chunks;
        try {
          chunks = await parts.exports.open({ status: o.status as never, tag: o.tag, segment: o.segment }, { raw: o.raw === true });
        } catch (err) {
          if (!(err instanceof AppError)) throw err;
          process.stderr.write(`postflow export: ${err.code}: ${err.message}\n`);
          process.exitCode = 2;
          return;
        }
        await pipeline(Readable.from(chunks), o.out ? createWriteStream(o.out) : process.stdout);
      } finally {
        await store.close();
      }
    });
}
