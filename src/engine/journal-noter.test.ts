import { describe, it, expect } from 'vitest';
import type { SentEntry, SentJournal } from '../ports/sent-journal.js';
import type { OutgoingMessage } from '../ports/transport.js';
import { journalNoter } from './compose-send.js';

const msg = (id: string): OutgoingMessage => ({ id, messageId: `${id}@x`, envelope: { from: 'a@x', to: ['b@y'] }, raw: Buffer.from('') });

describe('journalNoter', () => {
  it('notes accepted messages only, answers of one turn in one write, before the next turn', async () => {
    const writes: SentEntry[][] = [];
    const journal: SentJournal = { note: (e) => void writes.push(e), find: async () => new Map(), close: async () => undefined };
    const out = [msg('m0'), msg('m1'), msg('m2')];
    const on = journalNoter(journal, out, 'smtp');
    on(0, { ok: true, providerMessageId: 'q0', response: '250 ok' });
    on(1, { ok: false, permanent: true, code: 550, response: '550 no' });
    on(2, { ok: true, providerMessageId: 'q2', response: '250 ok' });
    expect(writes).toEqual([]);
    await Promise.resolve();
    expect(writes).toEqual([[{ id: 'm0', providerMessageId: 'q0', transport: 'smtp', response: '250 ok' }, { id: 'm2', providerMessageId: 'q2', transport: 'smtp', response: '250 ok' }]]);
  });

  it('a journal that cannot be written does not throw into the event loop, and later answers are still noted', async () => {
    let calls = 0;
    const journal: SentJournal = { note: () => { calls++; throw new Error('ENOSPC'); }, find: async () => new Map(), close: async () => undefined };
    const on = journalNoter(journal, [msg('m0'), msg('m1')], 'smtp');
    on(0, { ok: true, providerMessageId: 'q0', response: '250 ok' });
    await Promise.resolve(); // an exception escaping here would be an unhandled error and fail the run
    on(1, { ok: true, providerMessageId: 'q1', response: '250 ok' });
    await Promise.resolve();
    expect(calls).toBe(2);
  });
});
