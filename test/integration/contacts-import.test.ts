// CSV import (streamed upload → background job) and export over HTTP, on a real runtime over SQLite and over PostgreSQL.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../support/runtime.js';
import { createTempDatabase, postgresAvailable } from '../support/services.js';
import Fastify from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { installErrorHandler } from '../../src/adapters/http/error-handler.js';
import { contactImportRoutes } from '../../src/adapters/http/routes/contact-imports.js';

const pg = await postgresAvailable();

for (const dialect of ['sqlite', 'postgres'] as const) {
describe.skipIf(dialect === 'postgres' && !pg)(`CSV import on ${dialect}`, () => {
  let s: TestServer;
  let db: { url: string; drop: () => Promise<void> } | null = null;
  beforeAll(async () => {
    if (dialect === 'postgres') db = await createTempDatabase();
    s = await startTestServer(db ? { POSTFLOW_DATABASE_URL: db.url } : {});
  });
  afterAll(async () => {
    await s.rt.contacts.imports.idle();
    await s.close();
    await db?.drop();
  });

  const req = (method: 'GET' | 'POST', url: string, payload?: object) =>
    s.app.inject({ method, url: `/api/v1${url}`, headers: s.auth, ...(payload ? { payload } : {}) });
  const upload = (csv: string | Buffer, query = '', type = 'text/csv') =>
    s.app.inject({ method: 'POST', url: `/api/v1/contacts/import${query}`, headers: { ...s.auth, 'content-type': type }, payload: csv });

  /** Poll the import until it ends (bounded), returning every snapshot seen. */
  async function finished(id: string, errors = 100): Promise<{ last: Record<string, any>; seen: Record<string, any>[] }> {
    const seen: Record<string, any>[] = [];
    const until = Date.now() + 120_000;
    for (;;) {
      const j = (await req('GET', `/contacts/imports/${id}?errors=${errors}`)).json();
      seen.push(j);
      if (j.state === 'completed' || j.state === 'failed') return { last: j, seen };
      if (Date.now() > until) throw new Error(`import ${id} did not finish: ${JSON.stringify(j)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  const contact = async (email: string) => (await req('GET', `/contacts/by-email/${encodeURIComponent(email)}`)).json();
  const total = async () => (await req('GET', '/contacts?limit=1000')).json().data.length as number;

    it('imports in the background, reporting bad rows with their first line (quoted newlines counted) and upserting by email', async () => {
      await req('POST', '/contacts', { email: 'existing@example.com', first_name: 'Old', company: 'Keep Co', status: 'unsubscribed', attributes: { plan: 'free', since: 2019 } });
      const csv = [
        'Email,First Name,Last Name,Company,Status,Tags,Plan,Seats',       // 1
        'ann@example.com,Ann,Lee,"Acme, Inc.",,"vip;beta",pro,12',          // 2
        'not-an-email,Bob,,,,,,',                                           // 3
        'carl@example.com,Carl,Ng,Initech,,,"team',                         // 4: a quoted field over two lines
        'plan",3',                                                          // 5
        'dora@example.com,Dora,,,maybe,,,',                                 // 6
        'EXISTING@example.com,New,,,subscribed,,team,',                     // 7
        'eve@example.com,Eve,,,,,,,extra',                                  // 8
        '',                                                                 // 9
        'ann@example.com,,Lee-Smith,,,news,,',                              // 10
        'fay@example.com,Fay,,,,,,ten',                                     // 11
        'gus@example.com,"Gus',                                             // 12: a line break in a name is refused
        'Two",,,,,,',                                                       // 13
        'hal@example.com,Hal,,,,,,',                                        // 14
      ].join('\r\n');
      const res = await upload(csv, '?map=Seats%3Dattributes.seats:number&tags=imported');
      expect(res.statusCode).toBe(202);
      const started = res.json();
      expect(started).toMatchObject({ state: 'validating', source: 'upload', rows_read: 0, options: { map: { Seats: 'attributes.seats:number' }, tags: ['imported'] } });
      const { last } = await finished(started.id);
      expect(last).toMatchObject({ state: 'completed', total_rows: 10, rows_read: 10, inserted: 3, updated: 2, failed: 5, error: null });
      expect(last.finished_at).not.toBeNull();
      expect(last.errors.map((e: { line: number; field: string | null; message: string }) => [e.line, e.field, e.message])).toEqual([
        [3, 'email', '"not-an-email" is not an email address (expected local@domain)'],
        [6, 'status', '"maybe" is not a status (subscribed, unsubscribed, bounced, complained)'],
        [8, null, 'has 9 fields; the header has 8'],
        [11, 'attributes.seats', '"ten" is not a number'],
        [12, 'first_name', 'must not contain control characters (CR, LF, tab, NUL…)'],
      ]);
      expect(await contact('carl@example.com')).toMatchObject({ last_name: 'Ng', company: 'Initech', attributes: { Plan: 'team\r\nplan', seats: 3 }, tags: ['imported'] });
      expect(await contact('hal@example.com')).toMatchObject({ first_name: 'Hal', tags: ['imported'] });
      expect(await contact('ann@example.com')).toMatchObject({ first_name: 'Ann', last_name: 'Lee-Smith', company: 'Acme, Inc.', tags: ['beta', 'imported', 'news', 'vip'], attributes: { Plan: 'pro', seats: 12 } });
      // Upsert: given fields replace, empty cells keep, attributes merge, and an import never re-subscribes.
      expect(await contact('existing@example.com')).toMatchObject({ first_name: 'New', company: 'Keep Co', status: 'unsubscribed', attributes: { plan: 'free', since: 2019, Plan: 'team' } });
      expect((await contact('dora@example.com')).error.code).toBe('CONTACT_NOT_FOUND');
      // The spooled upload is gone once the import ends.
      await s.rt.contacts.imports.idle();
      expect(readdirSync(join(s.dataDir, 'imports'))).toEqual([]);
    });

    it('refuses what cannot be imported at all, before any job or contact exists', async () => {
      const before = await total();
      const cases: [string | Buffer, string, string, number, string, string | undefined][] = [
        ['name,phone\nAnn,123\n', '', 'text/csv', 400, 'CSV_INVALID', 'header'],
        ['email,x\na@x.io,1\n', '?map=nope%3Dcompany', 'text/csv', 400, 'CSV_INVALID', 'map.nope'],
        ['email,x\na@x.io,1\n', '?map=x%3Dphone', 'text/csv', 400, 'CSV_INVALID', 'map.x'],
        ['email,x\na@x.io,1\n', '?map=broken', 'text/csv', 400, 'VALIDATION_FAILED', 'map[0]'],
        ['email\na@x.io\n', '?tags=ok,bad%3Btag', 'text/csv', 400, 'VALIDATION_FAILED', 'tags[1]'],
        ['', '', 'text/csv', 400, 'CSV_INVALID', 'file'],
        [Buffer.from('\uFEFFemail\na@x.io\n', 'utf16le'), '', 'text/csv', 400, 'CSV_INVALID', 'file'],
        [Buffer.concat([Buffer.from('email,name\nren@x.io,Ren'), Buffer.from([0xe9]), Buffer.from('\n')]), '', 'text/csv', 400, 'CSV_INVALID', 'line 2'],
        ['{"email":"a@x.io"}', '', 'application/json', 415, 'UNSUPPORTED_MEDIA_TYPE', undefined],
      ];
      for (const [body, query, type, status, code, field] of cases) {
        const res = await upload(body, query, type);
        expect({ query, status: res.statusCode, error: res.json().error }).toMatchObject({ query, status, error: { code, ...(field ? { field } : {}) } });
      }
      expect(await total()).toBe(before);
      expect(readdirSync(join(s.dataDir, 'imports'))).toEqual([]);
    });

    it('fails a file whose flaw lies past the header (wrong encoding, unclosed quote, enormous record) with the line, writing nothing', async () => {
      const before = await total();
      const good = Array.from({ length: 3000 }, (_, i) => `late${i}@example.com,Name ${i}`).join('\n');
      const flawed: [Buffer, RegExp, number][] = [
        [Buffer.concat([Buffer.from(`email,name\n${good}\nbad@example.com,Ren`), Buffer.from([0xe9]), Buffer.from('\n')]), /not UTF-8/, 3002],
        [Buffer.from(`email,name\n${good}\nq@example.com,"never closed\nz@example.com,z\n`), /never closed/, 3002],
        [Buffer.from(`email,name\n${good}\nbig@example.com,${'x'.repeat(1_100_000)}\nz@example.com,z\n`), /longer than/, 3002],
      ];
      for (const [body, message, line] of flawed) {
        const res = await upload(body);
        expect(res.statusCode).toBe(202);
        const { last } = await finished(res.json().id);
        expect(last).toMatchObject({ state: 'failed', inserted: 0, updated: 0, error: { code: 'CSV_INVALID', line } });
        expect(last.error.message).toMatch(message);
      }
      expect(await total()).toBe(before);
    });

    it('reports progress while a larger file imports, and exports what it imported so that it imports back', async () => {
      const n = 5000;
      const rows = Array.from({ length: n }, (_, i) => `bulk${String(i).padStart(5, '0')}@example.com,Bulk,${i},"{""n"":${i},""odd"":${i % 2 === 1}}",${i % 3 === 0 ? 'three' : ''}`);
      const res = await upload(`email,first_name,last_name,attributes,tags\n${rows.join('\n')}\n`);
      const { last, seen } = await finished(res.json().id);
      expect(last).toMatchObject({ state: 'completed', total_rows: n, rows_read: n, inserted: n, failed: 0 });
      const reads = seen.map((j) => j.rows_read as number);
      expect(reads).toEqual([...reads].sort((a, b) => a - b));
      // The job was readable while it ran, not only once it had finished.
      expect(seen.some((j) => j.state === 'validating' || j.state === 'importing')).toBe(true);

      const exp = await s.app.inject({ method: 'GET', url: '/api/v1/contacts/export?tag=three', headers: s.auth });
      expect(exp.statusCode).toBe(200);
      expect(exp.headers['content-type']).toMatch(/^text\/csv/);
      const lines = exp.body.trimEnd().split('\r\n');
      expect(lines[0]).toBe('id,email,external_id,first_name,last_name,company,status,tags,attributes,engagement_score,last_engagement,created_at,updated_at');
      expect(lines).toHaveLength(1 + Math.ceil(n / 3));
      expect(lines[1]).toMatch(/^[0-9A-Z]{26},bulk00000@example.com,,Bulk,0,,subscribed,three,"{""n"":0,""odd"":false}",0,,/);

      // The export imports back into another server unchanged.
      const other = await startTestServer();
      try {
        const back = await other.app.inject({ method: 'POST', url: '/api/v1/contacts/import', headers: { ...other.auth, 'content-type': 'text/csv' }, payload: exp.body });
        expect(back.statusCode).toBe(202);
        await other.rt.contacts.imports.idle();
        const j = (await other.app.inject({ method: 'GET', url: `/api/v1/contacts/imports/${back.json().id}`, headers: other.auth })).json();
        expect(j).toMatchObject({ state: 'completed', inserted: lines.length - 1, failed: 0 });
        const again = await other.app.inject({ method: 'GET', url: '/api/v1/contacts/export', headers: other.auth });
        const strip = (csv: string) => csv.trimEnd().split('\r\n').slice(1).map((l) => l.split(',').slice(1, 10).join(',')).sort();
        expect(strip(again.body)).toEqual(strip(exp.body));
      } finally {
        await other.close();
      }
      expect((await req('GET', '/contacts/export?segment=01NOPE00000000000000000000')).json().error.code).toBe('SEGMENT_NOT_FOUND');
      expect((await req('GET', '/contacts/imports/01NOPE00000000000000000000')).json().error.code).toBe('IMPORT_NOT_FOUND');
    });

    it('neutralises formula cells in an export by default; raw=true keeps them, and a raw export imports back unchanged', async () => {
      const risky = {
        email: '-dash@example.com', external_id: '=X1', first_name: '=SUM(1+1)', last_name: '+44 20 7946 0000', company: '@acme',
        tags: ['formula', '-minus'], attributes: { cmd: '=cmd|\' /C calc\'!A0', tab: '\tx', plain: 'ok', n: -3 },
      };
      const made = await req('POST', '/contacts', risky);
      expect(made.statusCode).toBe(201);
      const safe = (await req('GET', '/contacts/export?tag=formula')).body.trimEnd().split('\r\n');
      expect(safe).toHaveLength(2);
      expect(safe[1]).toContain(`,'-dash@example.com,'=X1,'=SUM(1+1),'+44 20 7946 0000,'@acme,subscribed,"'-minus,formula",`);
      // The attributes cell is JSON (starts with "{"): nothing a spreadsheet runs, so it is left alone.
      expect(safe[1]).toContain(`"{""cmd"":""=cmd|' /C calc'!A0"",""tab"":""\\tx"",""plain"":""ok"",""n"":-3}"`);
      const raw = await req('GET', '/contacts/export?tag=formula&raw=true');
      const rawLines = raw.body.trimEnd().split('\r\n');
      expect(rawLines[1]).toContain(',-dash@example.com,=X1,=SUM(1+1),+44 20 7946 0000,@acme,subscribed,"-minus,formula",');
      expect((await req('GET', '/contacts/export?raw=maybe')).json().error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'raw' });

      const other = await startTestServer();
      try {
        const imp = async (csv: string) => {
          const r = await other.app.inject({ method: 'POST', url: '/api/v1/contacts/import', headers: { ...other.auth, 'content-type': 'text/csv' }, payload: csv });
          await other.rt.contacts.imports.idle();
          return (await other.app.inject({ method: 'GET', url: `/api/v1/contacts/imports/${r.json().id}`, headers: other.auth })).json();
        };
        expect(await imp(raw.body)).toMatchObject({ state: 'completed', inserted: 1, failed: 0 });
        const back = (await other.app.inject({ method: 'GET', url: `/api/v1/contacts/by-email/${encodeURIComponent(risky.email)}`, headers: other.auth })).json();
        expect(back).toMatchObject({ ...risky, tags: expect.arrayContaining(risky.tags) });
        expect(back.tags).toHaveLength(2);
        const again = await other.app.inject({ method: 'GET', url: '/api/v1/contacts/export?raw=true', headers: other.auth });
        const cells = (csv: string) => csv.trimEnd().split('\r\n')[1]!.split(',').slice(1, 8).join(',');
        expect(cells(again.body)).toBe(cells(raw.body));
      } finally {
        await other.close();
      }
    });

  it('imports nothing in strict mode when a row is bad, listing every bad row', async () => {
    const before = await total();
    const csv = `email,status\nstrict1@example.com,\nnope,\nstrict2@example.com,maybe\nstrict3@example.com,bounced\n`;
    const res = await upload(csv, '?strict=true');
    expect(res.statusCode).toBe(202);
    const { last } = await finished(res.json().id);
    expect(last).toMatchObject({ state: 'failed', total_rows: 4, inserted: 0, updated: 0, failed: 2, options: { strict: true }, error: { code: 'CSV_INVALID', line: 3 } });
    expect(last.error.message).toMatch(/2 of 4 rows are invalid/);
    expect(last.errors.map((e: { line: number }) => e.line)).toEqual([3, 4]);
    expect(await total()).toBe(before);
    // The same file without strict imports the two good rows.
    const { last: lax } = await finished((await upload(csv)).json().id);
    expect(lax).toMatchObject({ state: 'completed', inserted: 2, failed: 2 });
  });

  it('refuses an upload past the size limit with PAYLOAD_TOO_LARGE, keeping no spooled bytes', async () => {
    const spoolDir = join(s.dataDir, 'small-spool');
    const app = Fastify().withTypeProvider<TypeBoxTypeProvider>();
    installErrorHandler(app);
    await app.register(contactImportRoutes({ imports: s.rt.contacts.imports, exports: s.rt.contacts.exports, spoolDir, maxUploadBytes: 1000 }), { prefix: '/api/v1' });
    try {
      const big = await app.inject({ method: 'POST', url: '/api/v1/contacts/import', headers: { 'content-type': 'text/csv' }, payload: `email\n${'someone@example.com\n'.repeat(100)}` });
      expect(big.statusCode).toBe(413);
      expect(big.json().error.code).toBe('PAYLOAD_TOO_LARGE');
      expect(readdirSync(spoolDir)).toEqual([]);
      const small = await app.inject({ method: 'POST', url: '/api/v1/contacts/import', headers: { 'content-type': 'text/csv' }, payload: 'email\nsmall@example.com\n' });
      expect(small.statusCode).toBe(202);
      await s.rt.contacts.imports.idle();
      expect(readdirSync(spoolDir)).toEqual([]);
    } finally {
      await app.close();
    }
  });

  it('shows a job whose process died as interrupted', async () => {
    const now = s.rt.clock.now();
    const id = '01JOBDEAD00000000000000000';
    await s.rt.contacts.store.createImport({
      id, state: 'importing', source: 'upload', totalRows: 10, rowsRead: 4, inserted: 4, updated: 0, failed: 0, error: null,
      options: { map: {}, tags: [] }, createdAt: now - 600_000, updatedAt: now - 600_000, finishedAt: null,
    });
    expect((await req('GET', `/contacts/imports/${id}`)).json()).toMatchObject({ state: 'interrupted', rows_read: 4 });
  });
});
}
