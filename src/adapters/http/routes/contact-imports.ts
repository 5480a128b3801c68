import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AppError } from '../../../domain/errors.js';
import { CONTACT_STATUSES } from '../../../domain/contact.js';
import type { ExportContacts } from '../../../services/export-contacts.js';
import type { ImportContacts } from '../../../services/import-contacts.js';
import { errorResponses } from '../schemas.js';
import { ImportSchema, importView } from './contact-views.js';

/** Largest CSV upload accepted. */
export const MAX_UPLOAD_BYTES = 2 * 1024 ** 3;

/** `col=target` pairs of the `map` query parameter as an object; VALIDATION_FAILED naming `map[i]` for a malformed one. */
function mapOption(pairs: string[] | undefined): Record<string, string> {
  const map: Record<string, string> = {};
  (pairs ?? []).forEach((p, i) => {
    const eq = p.lastIndexOf('=');
    if (eq <= 0 || eq === p.length - 1) throw new AppError('VALIDATION_FAILED', `map[${i}]: expected COLUMN=TARGET, e.g. "E-mail Address=email"`, { field: `map[${i}]` });
    map[p.slice(0, eq)] = p.slice(eq + 1);
  });
  return map;
}

/** Spooled uploads older than this belong to imports a stopped process never finished: removed at start. */
const STALE_SPOOL_MS = 24 * 3600_000;

async function removeStaleSpools(dir: string): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const n of names.filter((x) => x.endsWith('.csv'))) {
    const s = await stat(join(dir, n)).catch(() => null);
    if (s && Date.now() - s.mtimeMs > STALE_SPOOL_MS) await rm(join(dir, n), { force: true });
  }
}

/** Copy `body` to `file`, refusing past `max` bytes; returns the size. */
async function spool(body: Readable, file: string, max: number): Promise<number> {
  let size = 0;
  const count = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      size += chunk.length;
      cb(size > max ? new AppError('PAYLOAD_TOO_LARGE', `the CSV is larger than ${max} bytes`) : null, chunk);
    },
  });
  // Opened (created) before the copy starts: a stream that opens lazily could create the file after a failed
  // upload's cleanup had already removed it.
  const handle = await open(file, 'wx', 0o600);
  try {
    await pipeline(body, count, handle.createWriteStream());
  } finally {
    await handle.close().catch(() => undefined);
  }
  return size;
}

/**
 * POST /api/v1/contacts/import (a streamed text/csv body), GET /api/v1/contacts/imports/:id, GET /api/v1/contacts/export.
 * The upload is spooled to `spoolDir` (constant memory) and answered 202 with the import id as soon as its header is
 * checked; the import runs in the background from the spooled file, which is removed when it ends.
 */
export function contactImportRoutes(deps: { imports: ImportContacts; exports: ExportContacts; spoolDir: string; maxUploadBytes?: number }): FastifyPluginAsyncTypebox {
  return async (app) => {
    await removeStaleSpools(deps.spoolDir);
    // The CSV body reaches the handler as a stream; this parser exists only inside this plugin.
    for (const type of ['text/csv', 'application/csv']) app.addContentTypeParser(type, (_req, payload, done) => done(null, payload));

    app.post('/contacts/import', {
      config: { scope: 'admin' },
      schema: {
        tags: ['contacts'],
        summary: 'Import contacts from a CSV body (Content-Type: text/csv): upsert by email in the background; answers 202 with the import id',
        querystring: Type.Object({
          map: Type.Optional(Type.Array(Type.String({ minLength: 3, maxLength: 300 }), { maxItems: 200, description: 'COLUMN=TARGET, repeatable; TARGET: email, external_id, first_name, last_name, company, status, tags, attributes, attributes.NAME[:string|number|boolean|json], or - to ignore' })),
          tags: Type.Optional(Type.String({ maxLength: 2000, description: 'Comma-separated tags added to every imported contact' })),
          strict: Type.Optional(Type.Boolean({ description: 'Import nothing if any row is bad (default: import the good rows, list the bad ones)' })),
        }, { additionalProperties: false }),
        body: { content: { 'text/csv': { schema: { description: 'UTF-8 CSV with a header line; one column must be the email' } } } },
        response: { 202: ImportSchema, ...errorResponses, 413: errorResponses[400], 415: errorResponses[400] },
      },
    }, async (req, reply) => {
      const body = req.body as unknown;
      if (!(body instanceof Readable)) throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'send the CSV file as the body with Content-Type: text/csv');
      const map = mapOption(req.query.map);
      const tags = req.query.tags ? req.query.tags.split(',').map((t) => t.trim()).filter((t) => t !== '') : [];
      await mkdir(deps.spoolDir, { recursive: true, mode: 0o700 });
      const file = join(deps.spoolDir, `${randomUUID()}.csv`);
      let started = false;
      try {
        const size = await spool(body, file, deps.maxUploadBytes ?? MAX_UPLOAD_BYTES);
        const source = { name: 'upload', size, open: () => createReadStream(file), dispose: () => rm(file, { force: true }) };
        const { job } = await deps.imports.start(source, { map, tags, strict: req.query.strict });
        started = true;
        return reply.status(202).send(importView({ ...job, errors: [] }));
      } finally {
        if (!started) await rm(file, { force: true });
      }
    });

    app.get('/contacts/imports/:id', {
      config: { scope: 'read' },
      schema: {
        tags: ['contacts'], summary: 'Progress and result of an import: rows read, inserted, updated, failed, row errors with line numbers',
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }),
        querystring: Type.Object({ errors: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000, default: 100, description: 'How many row errors to include' })) }, { additionalProperties: false }),
        response: { 200: ImportSchema, ...errorResponses },
      },
    }, async (req) => importView(await deps.imports.get(req.params.id, req.query.errors ?? 100)));

    app.get('/contacts/export', {
      config: { scope: 'read' },
      schema: {
        tags: ['contacts'], summary: 'All contacts (or a status, tag or segment) as CSV, streamed; importing the file gives them back',
        querystring: Type.Object({
          status: Type.Optional(Type.Union(CONTACT_STATUSES.map((s) => Type.Literal(s)))),
          tag: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
          segment: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
          raw: Type.Optional(Type.Boolean({ default: false, description: 'Cells exactly as stored; by default a cell starting with =, +, -, @, TAB or CR gets a leading \' so spreadsheets do not run it (CSV injection). Export raw to import the file back.' })),
        }, { additionalProperties: false }),
        response: { 200: { description: 'CSV (UTF-8, CRLF)', content: { 'text/csv': { schema: { type: 'string' } } } }, ...errorResponses },
      },
    }, async (req, reply) => {
      const { raw, ...q } = req.query;
      const chunks = await deps.exports.open(q, { raw });
      return reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="contacts.csv"').send(Readable.from(chunks));
    });
  };
}

