import type { OutgoingMessage, SendHooks, SendOutcome, Transport } from '../ports/transport.js';
import type { SentEntry, SentJournal } from '../ports/sent-journal.js';
import { composeMessage, type ComposeInput } from '../compose/compose-message.js';
import type { DkimKey } from '../compose/dkim.js';
import type { TemplateEngine } from '../compose/template-engine.js';
import type { TemplateCatalog } from '../services/template-catalog.js';

/** What became of one message handed to a ComposeSend: sent (or refused) with its Message-ID, or not composable. */
export type ComposeSendResult =
  | { composed: true; messageId: string; outcome: SendOutcome }
  | { composed: false; error: string };

/**
 * The CPU-heavy middle of delivery: render and build each claimed message, then hand the batch to a transport.
 * Answers one result per message, in order, and never rejects for a per-message problem.
 */
export interface ComposeSend {
  /** The transport's registry name, for results and metrics. */
  readonly transportName: string;
  /**
   * `inDoubt[i]`, when set, is the attempt to note in the sent journal as in doubt when message i's end of data goes
   * out (domain/in-doubt.ts); absent or undefined: nothing is noted for it.
   */
  run(batch: ComposeInput[], now: number, inDoubt?: ReadonlyArray<number | undefined>): Promise<ComposeSendResult[]>;
  close(): Promise<void>;
}

/** Messages composed at a time when the transport applies backpressure (Transport.readyForMore). */
const COMPOSE_CHUNK = 50;

/** Composes and sends on the calling thread. */
export class InProcessComposeSend implements ComposeSend {
  readonly transportName: string;
  private readonly eightBit: boolean;

  constructor(
    private readonly catalog: TemplateCatalog,
    private readonly engine: TemplateEngine,
    private readonly transport: Transport,
    private readonly dkim?: DkimKey,
    /** Where accepted messages are noted the moment the receiver accepts them (crash recovery without a resend). */
    private readonly journal?: SentJournal,
  ) {
    this.transportName = transport.name;
    this.eightBit = transport.eightBit === true;
  }

  async run(batch: ComposeInput[], now: number, inDoubtOf: ReadonlyArray<number | undefined> = []): Promise<ComposeSendResult[]> {
    const results: ComposeSendResult[] = new Array(batch.length);
    const sends: Array<Promise<void>> = [];
    // Composed just in time: a chunk at a time, each once the transport has few messages left to send (readyForMore),
    // so that composed messages wait milliseconds for a connection, not the whole batch's time — fewer objects live
    // through collections, and their bytes are reused sooner (bench/RESULTS.md, session 9).
    // A transport without backpressure gets the batch in one sendBatch, as it always did (its own concurrency is per call).
    const chunk = this.transport.readyForMore ? COMPOSE_CHUNK : Math.max(1, batch.length);
    // Answers already read are noted before composing keeps the thread busy (ADR 0012), and again after each wait.
    if (this.journal) flushSentNotes(this.journal);
    for (let from = 0; from < batch.length; from += chunk) {
      if (this.transport.readyForMore) {
        await this.transport.readyForMore();
        if (this.journal) flushSentNotes(this.journal);
      }
      const outgoing: OutgoingMessage[] = [];
      const at: number[] = [];
      const inDoubt: Array<number | undefined> = [];
      for (let i = from; i < Math.min(from + chunk, batch.length); i++) {
        try {
          outgoing.push(composeMessage(batch[i]!, await this.catalog.compiledFor(batch[i]!), this.engine, now, this.dkim, this.eightBit));
          at.push(i);
          inDoubt.push(inDoubtOf[i]);
        } catch (err) {
          // A message that cannot be composed will not compose on a retry either.
          results[i] = { composed: false, error: `compose failed: ${(err as Error).message}` };
        }
      }
      if (outgoing.length) sends.push(this.send(outgoing, at, inDoubt, results));
    }
    await Promise.all(sends);
    return results;
  }

  private async send(outgoing: OutgoingMessage[], at: number[], inDoubt: Array<number | undefined>, results: ComposeSendResult[]): Promise<void> {
    let outcomes: SendOutcome[];
    try {
      outcomes = await this.transport.sendBatch(outgoing, this.journal ? journalHooks(this.journal, outgoing, inDoubt, this.transportName) : undefined);
    } catch (err) {
      outcomes = outgoing.map(() => ({ ok: false, permanent: false, response: `transport error: ${(err as Error).message}` }));
    }
    at.forEach((i, k) => {
      results[i] = { composed: true, messageId: outgoing[k]!.messageId, outcome: outcomes[k]! };
    });
  }

  close(): Promise<void> {
    return this.transport.close();
  }
}

/**
 * Accepted messages waiting for the end of the current pass of the event loop, by journal: everything a thread
 * reads in one pass (answers from every connection, for every batch in flight) goes out in one write(2).
 */
const unwritten = new Map<SentJournal, SentEntry[]>();

function noteSent(journal: SentJournal, entry: SentEntry): void {
  let entries = unwritten.get(journal);
  if (!entries) {
    unwritten.set(journal, (entries = []));
    setImmediate(flushSentNotes, journal);
  }
  entries.push(entry);
}

/** Write what waits for `journal` now: at the end of each pass of the event loop, and before the journal is closed. */
export function flushSentNotes(journal: SentJournal): void {
  const entries = unwritten.get(journal);
  if (!entries) return;
  unwritten.delete(journal);
  try {
    journal.note(entries);
  } catch {
    // A journal that cannot be written only loses crash recovery (see journalHooks).
  }
}

/** Close a journal after writing what still waits for it. */
export function closeJournal(journal: SentJournal): Promise<void> {
  flushSentNotes(journal);
  return journal.close();
}

/**
 * Transport.sendBatch hooks that keep the sent journal (docs/adr/0012-sent-journal.md):
 * - every accepted message is noted in the pass of the event loop that read the receiver's answer: the answers read
 *   in one pass share one write, made at the end of the pass (or sooner: before a batch is composed);
 * - a message with an in-doubt attempt (`inDoubt[i]`, from its policy) is noted, synchronously, just before its end
 *   of data goes out, so that recovery can tell it may have been delivered.
 * A journal that cannot be written (disk full) only loses crash recovery — those messages would be sent again after
 * a crash — so delivery goes on.
 */
export function journalHooks(journal: SentJournal, outgoing: OutgoingMessage[], inDoubt: ReadonlyArray<number | undefined>, transport: string): SendHooks {
  return {
    onOutcome: (i, o) => {
      if (o.ok) noteSent(journal, { id: outgoing[i]!.id, providerMessageId: o.providerMessageId, transport, response: o.response });
    },
    onCommitting: (i) => {
      const attempt = inDoubt[i];
      if (attempt === undefined) return;
      try {
        journal.noteInDoubt({ id: outgoing[i]!.id, attempt, transport });
      } catch {
        // See above.
      }
    },
  };
}
