// `postflow import` and `postflow export` as a user runs them: real processes, a real SQLite data dir, exit codes.
import { describe, it, expect, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/process.js';

const dir = mkdtempSync(join(tmpdir(), 'pf-contacts-cli-'));
const dataDir = join(dir, 'data');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(args: string[]): Promise<{ code: number | null; out: string; json: Record<string, any> | null }> {
  const p = runCli(args, { POSTFLOW_DATA_DIR: dataDir, POSTFLOW_LOG_LEVEL: 'silent' });
  const code = await p.exited;
  const out = p.output();
  const line = out.split('\n').find((l) => l.startsWith('{'));
  return { code, out, json: line ? JSON.parse(line) : null };
}

describe('postflow import / export', () => {
  it('imports a CSV with a progress report, lists row errors by line, and exits 3 when some rows failed', async () => {
    const rows = Array.from({ length: 2500 }, (_, i) => `user${i}@example.com,User,${i},${i % 10}`);
    rows[99] = 'broken-address,Bad,99,1';                 // line 101
    rows[1999] = 'user1999@example.com,Dup,1999,"x\ny"';  // lines 2001–2002: a quoted newline in a number column
    writeFileSync(join(dir, 'contacts.csv'), `email,first_name,last_name,Score\n${rows.join('\n')}\n`);
    const r = await cli(['import', join(dir, 'contacts.csv'), '--map', 'Score=attributes.score:number', '--tags', 'cli,batch-1']);
    expect(r.code).toBe(3);
    expect(r.json).toMatchObject({ state: 'completed', total_rows: 2500, rows_read: 2500, inserted: 2498, updated: 0, failed: 2 });
    expect(r.out).toMatch(/imported 2,500 rows in [\d.]+ s: inserted 2,498, updated 0, failed 2/);
    expect(r.out).toContain('line 101 (email): "broken-address" is not an email address');
    expect(r.out).toContain('line 2001 (attributes.score): "x\\ny" is not a number');

    // Again: every row now updates the contact it created, and the bad ones fail the same way.
    const again = await cli(['import', join(dir, 'contacts.csv'), '--map', 'Score=attributes.score:number']);
    expect(again.json).toMatchObject({ inserted: 0, updated: 2498, failed: 2 });
  });

  it('exports to a file that holds every contact, with tags and typed attributes', async () => {
    const r = await cli(['export', '--out', join(dir, 'out.csv'), '--tag', 'batch-1']);
    expect(r.code).toBe(0);
    const lines = readFileSync(join(dir, 'out.csv'), 'utf8').trimEnd().split('\r\n');
    expect(lines).toHaveLength(2499);
    expect(lines.find((l) => l.includes(',user7@example.com,'))).toMatch(/,user7@example.com,,User,7,,subscribed,"batch-1,cli","{""score"":7}",0,,/);
  });

  it('neutralises formula cells unless --raw, and a --raw export imports back as an update with nothing refused', async () => {
    writeFileSync(join(dir, 'formula.csv'), 'email,first_name,company,tags\n+plus@example.com,=1+2,@corp,formula\n');
    expect((await cli(['import', join(dir, 'formula.csv')])).code).toBe(0);
    const safe = await cli(['export', '--tag', 'formula']);
    expect(safe.code).toBe(0);
    expect(safe.out).toMatch(/,'\+plus@example.com,,'=1\+2,,'@corp,subscribed,formula,/);
    const raw = await cli(['export', '--tag', 'formula', '--raw', '--out', join(dir, 'formula-raw.csv')]);
    expect(raw.code).toBe(0);
    const rawCsv = readFileSync(join(dir, 'formula-raw.csv'), 'utf8');
    expect(rawCsv).toMatch(/,\+plus@example.com,,=1\+2,,@corp,subscribed,formula,/);
    // Importing the raw file again updates the contact with the values it already has.
    const back = await cli(['import', join(dir, 'formula-raw.csv')]);
    expect(back.json).toMatchObject({ inserted: 0, updated: 1, failed: 0 });
  }, 120_000);

  it('refuses a file without an email column (exit 2) and an unknown segment (exit 2), writing nothing', async () => {
    writeFileSync(join(dir, 'noemail.csv'), 'name,phone\nAnn,1\n');
    const r = await cli(['import', join(dir, 'noemail.csv')]);
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/postflow import: CSV_INVALID: header: no email column/);
    const missing = await cli(['import', join(dir, 'nope.csv')]);
    expect(missing.code).toBe(2);
    const seg = await cli(['export', '--segment', '01NOPE00000000000000000000']);
    expect(seg.code).toBe(2);
    expect(seg.out).toMatch(/SEGMENT_NOT_FOUND/);
  });
});
