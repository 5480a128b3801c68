import { describe, it, expect, afterEach } from 'vitest';
import { appendFileSync, mkdtempSync, readdirSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileSentJournal } from './file-sent-journal.js';

let dir = '';
afterEach(() => rmSync(dir, { recursive: true, force: true }));
const entry = (id: string) => ({ id, providerMessageId: `q-${id}`, transport: 'smtp', response: `250 2.0.0 Ok: queued as q-${id}` });

describe('FileSentJournal', () => {
  it('finds what any writer noted, and ignores a line a crash cut short', async () => {
    dir = mkdtempSync(join(tmpdir(), 'pf-journal-'));
    const a = new FileSentJournal(dir, 'a', 600_000);
    const b = new FileSentJournal(dir, 'b', 600_000);
    a.note([entry('m1'), entry('m2')]);
    b.note([{ ...entry('m3'), response: '250 ok\twith a tab\nand a newline' }]);
    appendFileSync(join(dir, 'b-0.log'), 'm4\tq-m4\tsmtp'); // killed mid-line: no response field, no newline
    const found = await a.find(['m1', 'm3', 'm4', 'm9']);
    expect([...found.keys()].sort()).toEqual(['m1', 'm3']);
    expect(found.get('m1')).toEqual({ sent: entry('m1') });
    expect(found.get('m3')!.sent!.response).toBe('250 ok with a tab and a newline');
    await a.close();
    await b.close();
  });

  it('notes in-doubt attempts apart from acceptances, and ignores an in-doubt line a crash cut short', async () => {
    dir = mkdtempSync(join(tmpdir(), 'pf-journal-'));
    const a = new FileSentJournal(dir, 'a', 600_000);
    a.noteInDoubt({ id: 'm1', attempt: 1, transport: 'smtp' });
    a.note([entry('m1')]);
    a.noteInDoubt({ id: 'm2', attempt: 1, transport: 'smtp' });
    a.noteInDoubt({ id: 'm2', attempt: 2, transport: 'smtp' });
    appendFileSync(join(dir, 'a-0.log'), 'D\tm3\t1'); // killed mid-line
    const found = await a.find(['m1', 'm2', 'm3']);
    expect([...found.keys()].sort()).toEqual(['m1', 'm2']);
    expect(found.get('m1')).toEqual({ sent: entry('m1'), inDoubt: [{ id: 'm1', attempt: 1, transport: 'smtp' }] });
    expect(found.get('m2')).toEqual({ inDoubt: [{ id: 'm2', attempt: 1, transport: 'smtp' }, { id: 'm2', attempt: 2, transport: 'smtp' }] });
    await a.close();
  });

  it('starts a new file every minute and removes its own files once past the retention', async () => {
    dir = mkdtempSync(join(tmpdir(), 'pf-journal-'));
    let t = 1_000_000;
    const j = new FileSentJournal(dir, 'w', 150_000, () => t);
    j.note([entry('m1')]);
    t += 61_000;
    j.note([entry('m2')]); // rotates: w-0 closed at t
    t += 61_000;
    j.note([entry('m3')]); // rotates: w-1 closed; w-0 closed 61 s ago, kept
    expect(readdirSync(dir).sort()).toEqual(['w-0.log', 'w-1.log', 'w-2.log']);
    t += 100_000;
    j.note([entry('m4')]); // rotates: w-0 closed 161 s ago → removed
    expect(readdirSync(dir).sort()).toEqual(['w-1.log', 'w-2.log', 'w-3.log']);
    expect([...(await j.find(['m1', 'm2', 'm4'])).keys()].sort()).toEqual(['m2', 'm4']);
    await j.close();
  });

  it('a writer starting removes files a dead writer left, once they are older than the retention', async () => {
    dir = mkdtempSync(join(tmpdir(), 'pf-journal-'));
    const dead = new FileSentJournal(dir, 'dead', 60_000);
    dead.note([entry('old')]);
    await dead.close();
    const recent = new FileSentJournal(dir, 'recent', 60_000);
    recent.note([entry('new')]);
    await recent.close();
    const past = (Date.now() - 120_000) / 1000;
    utimesSync(join(dir, 'dead-0.log'), past, past);
    const next = new FileSentJournal(dir, 'next', 60_000);
    expect(readdirSync(dir).sort()).toEqual(['recent-0.log']);
    await next.close();
  });
});
