import { describe, it, expect } from 'vitest';
import type { InDoubtEntry, SentEntry, SentJournal } from '../ports/sent-journal.js';
import { flushSentNotes, InProcessComposeSend, journalHooks } from './compose-send.js';
import type { OutgoingMessage, Transport } from '../ports/transport.js';
import type { TemplateCatalog } from '../services/template-catalog.js';
import type { TemplateEngine } from '../compose/template-engine.js';

const msg = (id: string): OutgoingMessage => ({ id, messageId: `${id}@x`, envelope: { from: 'a@x', to: ['b@y'] }, raw: Buffer.from('') });
const journalOf = (writes: SentEntry[][], doubts: InDoubtEntry[] = []): SentJournal => ({
  note: (e) => void writes.push(e), noteInDoubt: (e) => void doubts.push(e), find: async () => new Map(), close: async () => undefined,
});

describe('journalHooks', () => {
  const nextPass = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

  it('notes accepted messages only; the answers of one pass of the event loop, of every batch, in one write', async () => {
    const writes: SentEntry[][] = [];
    const journal = journalOf(writes);
    const { onOutcome: on } = journalHooks(journal, [msg('m0'), msg('m1'), msg('m2')], [], 'smtp');
    const { onOutcome: other } = journalHooks(journal, [msg('n0')], [], 'smtp'); // another batch, same thread
    on!(0, { ok: true, providerMessageId: 'q0', response: '250 ok' });
    on!(1, { ok: false, permanent: true, code: 550, response: '550 no' });
    await Promise.resolve(); // answers handled in later microtasks of the same pass join the same write
    other!(0, { ok: true, providerMessageId: 'r0', response: '250 ok' });
    on!(2, { ok: true, providerMessageId: 'q2', response: '250 ok' });
    expect(writes).toEqual([]);
    await nextPass();
    expect(writes).toEqual([[
      { id: 'm0', providerMessageId: 'q0', transport: 'smtp', response: '250 ok' },
      { id: 'n0', providerMessageId: 'r0', transport: 'smtp', response: '250 ok' },
      { id: 'm2', providerMessageId: 'q2', transport: 'smtp', response: '250 ok' },
    ]]);
    on!(0, { ok: true, providerMessageId: 'q0', response: '250 ok' }); // a later pass: a write of its own
    await nextPass();
    expect(writes).toHaveLength(2);
  });

  it('flushSentNotes writes what waits at once (before a journal is closed), and nothing twice', async () => {
    const writes: SentEntry[][] = [];
    const journal = journalOf(writes);
    journalHooks(journal, [msg('m0')], [], 'smtp').onOutcome!(0, { ok: true, providerMessageId: 'q0', response: '250 ok' });
    flushSentNotes(journal);
    expect(writes).toEqual([[{ id: 'm0', providerMessageId: 'q0', transport: 'smtp', response: '250 ok' }]]);
    flushSentNotes(journal);
    await nextPass();
    expect(writes).toHaveLength(1);
  });

  it('a batch about to be composed first writes the answers already read (composing keeps the thread busy)', async () => {
    const writes: SentEntry[][] = [];
    const journal = journalOf(writes);
    const transport = { name: 'smtp', sendBatch: async () => [], close: async () => undefined } as unknown as Transport;
    const composer = new InProcessComposeSend({} as TemplateCatalog, {} as TemplateEngine, transport, undefined, journal);
    journalHooks(journal, [msg('m0')], [], 'smtp').onOutcome!(0, { ok: true, providerMessageId: 'q0', response: '250 ok' });
    expect(writes).toEqual([]);
    await composer.run([], Date.now());
    expect(writes).toEqual([[{ id: 'm0', providerMessageId: 'q0', transport: 'smtp', response: '250 ok' }]]);
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
    await new Promise((resolve) => setImmediate(resolve)); // an exception escaping here would be an unhandled error and fail the run
    hooks.onOutcome!(1, { ok: true, providerMessageId: 'q1', response: '250 ok' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toBe(3);
  });
});
