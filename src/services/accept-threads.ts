import { Worker } from 'node:worker_threads';
import type { Mailbox } from '../domain/address.js';
import type { BatchParser } from './accept-message.js';
import { unpackDrafts, type BatchParse, type PackedDrafts } from './send-batch-parse.js';
import { threadReady, type ThreadReadyMessage } from './thread-ready.js';

/** What the main thread gives an accept thread to build itself from. */
export interface AcceptThreadData {
  defaultFrom: Mailbox;
}

/** A body for an accept thread to parse, and its answer. */
export interface AcceptThreadRequest {
  seq: number;
  body: Uint8Array;
  now: number;
}
/** A thread's outcome for a body: parseSendBatch's, its drafts packed (packDrafts). */
export type PackedBatchParse = Exclude<BatchParse, { ok: true }> | (Omit<Extract<BatchParse, { ok: true }>, 'drafts'> & { drafts: PackedDrafts });
export type AcceptThreadReply = { seq: number; result: PackedBatchParse } | { seq: number; failed: string };
/** Everything an accept thread posts: its replies, and once, that it takes work. */
export type AcceptThreadMessage = AcceptThreadReply | ThreadReadyMessage;

type Pending = (r: BatchParse | null) => void;

/** One accept thread and the bodies it holds. */
class AcceptThread {
  readonly worker: Worker;
  readonly pending = new Map<number, Pending>();
  /** Settles once the thread has loaded its modules (rejects if it dies before). */
  readonly ready: Promise<void>;
  dead = false;

  constructor(script: URL, data: AcceptThreadData, onReply: (t: AcceptThread, m: AcceptThreadReply) => void, onDeath: (t: AcceptThread, why: string) => void) {
    // A young generation of 8 MB (V8's default is up to 3 × 16 MB): the thread's garbage is one body at a time, and
    // the default costs peak RSS for nothing (as for the delivery threads, ADR 0011).
    this.worker = new Worker(script, { workerData: data, resourceLimits: { maxYoungGenerationSizeMb: 8 } });
    this.ready = threadReady(this.worker, 'accept thread');
    this.worker.on('message', (m: AcceptThreadMessage) => {
      if ('seq' in m) onReply(this, m);
    });
    this.worker.on('error', (e) => onDeath(this, e.message));
    this.worker.on('exit', (code) => onDeath(this, `exited with code ${code}`));
    // An idle accept thread does not keep the process alive; one with work is referenced (see parse).
    this.worker.unref();
  }
}

/**
 * Parses and validates send-batch bodies in worker threads (docs/adr/0022-accept-threads.md): JSON parsing,
 * schema checks, address parsing and serializing variables are most of what accepting costs, and on the main
 * thread they compete with the store's writes. A body goes to the thread with the fewest in hand. When a thread
 * dies, or fails on a body, that body's answer is null: the caller parses it on the main thread (parsing is pure,
 * so nothing is done twice), and the thread is replaced on the next body. Threads start on first use, or all at once
 * with start(): a server starts them before it listens, since started by the first bodies they slowed those bodies.
 */
export class AcceptThreads implements BatchParser {
  private readonly threads: Array<AcceptThread | null>;
  private seq = 0;
  private closed = false;
  /** Bodies parsed by the threads, and handed back after a thread failed or closed (for tests and logs). */
  readonly counts = { threaded: 0, handedBack: 0 };

  constructor(
    private readonly script: URL,
    private readonly data: AcceptThreadData,
    count: number,
    private readonly onError: (why: string) => void = () => undefined,
  ) {
    this.threads = Array.from({ length: Math.max(1, count) }, () => null);
  }

  /** Start every thread now; resolves once each has loaded its modules, rejects if one dies first. */
  async start(): Promise<void> {
    for (let i = 0; i < this.threads.length; i++) if (!this.threads[i] || this.threads[i]!.dead) this.threads[i] = this.spawn();
    const starting = this.threads.filter((t): t is AcceptThread => t !== null);
    // Referenced while starting: an idle accept thread does not keep the process alive, and a process that has
    // nothing else to wait for (`postflow api` before it listens) would end here.
    for (const t of starting) t.worker.ref();
    try {
      await Promise.all(starting.map((t) => t.ready));
    } finally {
      for (const t of starting) if (t.pending.size === 0) t.worker.unref();
    }
  }

  /** Threads started and not dead. */
  get running(): number {
    return this.threads.filter((t) => t !== null && !t.dead).length;
  }

  /** The body's outcome, or null when no thread could parse it (the caller parses it itself). */
  parse(body: Uint8Array, now: number): Promise<BatchParse | null> {
    if (this.closed) return Promise.resolve(this.handBack());
    const t = this.pick();
    const seq = ++this.seq;
    return new Promise<BatchParse | null>((resolve) => {
      t.pending.set(seq, resolve);
      if (t.pending.size === 1) t.worker.ref();
      // postMessage copies the body: the caller keeps it, to parse it itself if this thread fails.
      t.worker.postMessage({ seq, body, now } satisfies AcceptThreadRequest);
    });
  }

  /** End the threads; bodies still in hand are handed back. */
  async close(): Promise<void> {
    this.closed = true;
    const live = this.threads.filter((t): t is AcceptThread => t !== null);
    this.threads.fill(null);
    await Promise.all(live.map(async (t) => {
      t.dead = true;
      await t.worker.terminate();
      this.settleHere(t);
    }));
  }

  private pick(): AcceptThread {
    let best = -1;
    for (let i = 0; i < this.threads.length; i++) {
      const t = this.threads[i];
      if (!t || t.dead) return (this.threads[i] = this.spawn());
      if (best < 0 || t.pending.size < this.threads[best]!.pending.size) best = i;
    }
    return this.threads[best]!;
  }

  private spawn(): AcceptThread {
    return new AcceptThread(this.script, this.data, (th, m) => this.onReply(th, m), (th, why) => this.onDeath(th, why));
  }

  private onReply(t: AcceptThread, m: AcceptThreadReply): void {
    const p = t.pending.get(m.seq);
    if (!p) return;
    t.pending.delete(m.seq);
    if (t.pending.size === 0) t.worker.unref();
    if ('failed' in m) {
      this.onError(`accept thread failed on a body (${m.failed}); parsed on the main thread`);
      p(this.handBack());
      return;
    }
    this.counts.threaded++;
    p(m.result.ok ? { ...m.result, drafts: unpackDrafts(m.result.drafts) } : m.result);
  }

  private onDeath(t: AcceptThread, why: string): void {
    if (t.dead && this.closed) return;
    t.dead = true;
    if (t.pending.size > 0) this.onError(`accept thread ${why}; its ${t.pending.size} bodies are parsed on the main thread`);
    this.settleHere(t);
  }

  private settleHere(t: AcceptThread): void {
    for (const [seq, p] of t.pending) {
      t.pending.delete(seq);
      p(this.handBack());
    }
  }

  private handBack(): null {
    this.counts.handedBack++;
    return null;
  }
}
