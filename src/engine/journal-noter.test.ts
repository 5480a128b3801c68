import { describe, it, expect } from 'vitest';
import type { InDoubtEntry, SentEntry, SentJournal } from '../ports/sent-journal.js';
import type { OutgoingMessage } from '../ports/transport.js';
import { journalHooks } from './compose-send.js';

const msg = (id: string): OutgoingMessage => ({ id, messageId: `${id}@x`, envelope: { from: 'a@x', to: ['b@y'] }, raw: Buffer.from('') });
const journalOf = (writes: SentEntry[][], doubts: InDoubtEntry[] = []): SentJournal => ({
  note: (e) => void writes.push(e), noteInDoubt: (e) => void doubts.push(e), find: async () => new Map(), close: async () => undefined,
});

describe('journalHooks', () => {
  it('notes accepted messages only, answers of one turn in one write, before the next turn', async () => {
    const writes: SentEntry[][] = [];
    const out = [msg('m0'), msg('m1'), msg('m2')];
    const { onOutcome: on } = journalHooks(journalOf(writes), out, [], 'smtp');
    on!(0, { ok: true, providerMessageId: 'q0', response: '250 ok' });
    on!(1, { ok: false, permanent: true, code: 550, response: '550 no' });
    on!(2, { ok: true, providerMessageId: 'q2', response: '250 ok' });
    expect(writes).toEqual([]);
    await Promise.resolve();
    expect(writes).toEqual([[{ id: 'm0', providerMessageId: 'q0', transport: 'smtp', response: '250 ok' }, { id: 'm2', providerMessageId: 'q2', transport: 'smtp', response: '250 ok' }]]);
  });

  it('notes in doubt at once, and only messages whose policy gave them an attempt to note', () => {
    const doubts: InDoubtEntry[] = [];
    const hooks = journalHooks(journalOf([], doubts), [msg('m0'), msg('m1'), msg('m2')], [3, undefined, 1], 'smtp');
    hooks.onCommitting!(0);
    expect(doubts).toEqual([{ id: 'm0', attempt: 3, transport: 'smtp' }]); // synchronously: before the "." is written
    hooks.onCommitting!(1);
    hooks.onCommitting!(2);
    expect(doubts).toEqual([{ id: 'm0', attempt: 3, transport: 'smtp' }, { id: 'm2', attempt: 1, transport: 'smtp' }]);
  });

  it('a journal that cannot be written does not throw into the event loop or the transport, and later answers are still noted', async () => {
    let calls = 0;
    const journal: SentJournal = {
      note: () => { calls++; throw new Error('ENOSPC'); }, noteInDoubt: () => { calls++; throw new Error('ENOSPC'); },
      find: async () => new Map(), close: async () => undefined,
    };
    const hooks = journalHooks(journal, [msg('m0'), msg('m1')], [1, 1], 'smtp');
    expect(() => hooks.onCommitting!(0)).not.toThrow();
    hooks.onOutcome!(0, { ok: true, providerMessageId: 'q0', response: '250 ok' });
    await Promise.resolve(); // an exception escaping here would be an unhandled error and fail the run
    hooks.onOutcome!(1, { ok: true, providerMessageId: 'q1', response: '250 ok' });
    await Promise.resolve();
    expect(calls).toBe(3);
  });
});
