import { Worker } from 'node:worker_threads';
import type { TemplateSource } from '../compose/template-engine.js';
import { composeInput, messageIdFor, type ComposeInput } from '../compose/compose-message.js';
import type { TemplateCatalog } from '../services/template-catalog.js';
import type { ComposeSend, ComposeSendResult } from './compose-send.js';
import { threadReady, type ThreadReadyMessage } from '../services/thread-ready.js';

/** A batch for a delivery thread: the messages, the time to stamp them with, and template sources it lacks. */
export interface ThreadBatch {
  type: 'batch';
  seq: number;
  now: number;
  templates: Array<[string, TemplateSource]>;
  batch: ComposeInput[];
  /** Per message of `batch`: the attempt to note as in doubt, or undefined (see ComposeSend.run). */
  inDoubt: Array<number | undefined>;
}

/** What a delivery thread answers. */
export type ThreadReply =
  | { type: 'results'; seq: number; results: ComposeSendResult[]; cache: { hits: number; misses: number } }
  | { type: 'closed' }
  | ThreadReadyMessage;

interface Pending {
  resolve: (r: ComposeSendResult[]) => void;
  size: number;
}

/** One delivery thread and what it has been sent. */
class DeliveryThread {
  readonly worker: Worker;
  readonly known = new Set<string>();
  readonly pending = new Map<number, Pending>();
  /** Settles once the thread has loaded its modules and built its transport (rejects if it dies before). */
  readonly ready: Promise<void>;
  /** The thread's template cache counters, as of its last answer. */
  cache = { hits: 0, misses: 0 };
  dead = false;

  constructor(script: URL, workerData: unknown, youngMb: number, onDeath: (t: DeliveryThread, why: string) => void) {
    this.worker = new Worker(script, { workerData, resourceLimits: { maxYoungGenerationSizeMb: youngMb } });
    this.ready = threadReady(this.worker, 'delivery thread');
    this.worker.on('message', (m: ThreadReply) => {
      if (m.type !== 'results') return;
      this.cache = m.cache;
      const p = this.pending.get(m.seq);
      this.pending.delete(m.seq);
      p?.resolve(m.results);
    });
    this.worker.on('error', (e) => onDeath(this, e.message));
    this.worker.on('exit', (code) => onDeath(this, `exited with code ${code}`));
  }
}

/**
 * Composes and sends in worker threads, so rendering, MIME building and the transport's socket work run on other
 * cores than the one that serves the API and writes the store (docs/adr/0011-delivery-threads.md). Each thread owns
 * a transport built from the same settings and a template cache filled from sources sent once per thread. A batch
 * goes to the thread with the fewest messages in hand. A thread that dies answers its batches with a transient
 * failure (their fate is unknown, as after a crash: they are retried) and is replaced on the next batch.
 */
export class ThreadedComposeSend implements ComposeSend {
  private readonly threads: Array<DeliveryThread | null>;
  private seq = 0;
  private closing = false;
  /** Template cache hits and misses of threads that were replaced. */
  private readonly retired = { hits: 0, misses: 0 };
  /** Template cache counters summed over every delivery thread so far (for the metrics endpoint). */
  readonly cacheStats: { readonly hits: number; readonly misses: number };

  constructor(
    readonly transportName: string,
    private readonly catalog: TemplateCatalog,
    private readonly script: URL,
    /** The thread's workerData; a function gives each thread its own, by index (0 … count − 1). */
    private readonly workerData: unknown,
    count: number,
    private readonly onError: (why: string) => void = () => undefined,
  ) {
    this.threads = Array.from({ length: Math.max(1, count) }, () => null);
    const sum = (k: 'hits' | 'misses'): number => this.threads.reduce((a, t) => a + (t && !t.dead ? t.cache[k] : 0), this.retired[k]);
    this.cacheStats = {
      get hits() {
        return sum('hits');
      },
      get misses() {
        return sum('misses');
      },
    };
  }

  /**
   * Start every thread now; resolves once each has loaded its modules and built its transport, rejects if one dies
   * first. Otherwise threads start with the first batch, which then waits for them (~0.5 s in `postflow bench`).
   */
  async start(): Promise<void> {
    for (let i = 0; i < this.threads.length; i++) if (!this.threads[i] || this.threads[i]!.dead) this.threads[i] = this.spawn(i);
    await Promise.all(this.threads.map((t) => t!.ready));
  }

  /** Threads started and not dead. */
  get running(): number {
    return this.threads.filter((t) => t !== null && !t.dead).length;
  }

  async run(batch: ComposeInput[], now: number, inDoubtOf: ReadonlyArray<number | undefined> = []): Promise<ComposeSendResult[]> {
    if (batch.length === 0) return [];
    const needed = new Map<string, TemplateSource>();
    const failed: ComposeSendResult[] = new Array(batch.length);
    const send: ComposeInput[] = [];
    const inDoubt: Array<number | undefined> = [];
    const at: number[] = [];
    for (let i = 0; i < batch.length; i++) {
      const m = batch[i]!;
      try {
        const src = await this.catalog.sourceFor(m);
        if (src) needed.set(src.key, src.source);
        // Only what composing reads crosses to the thread: structured cloning costs per field.
        send.push(composeInput(m));
        inDoubt.push(inDoubtOf[i]);
        at.push(i);
      } catch (err) {
        failed[i] = { composed: false, error: `compose failed: ${(err as Error).message}` };
      }
    }
    if (send.length === 0) return failed;
    // The thread is chosen, and told the template sources it has not been sent yet, only now, with no await between
    // this and the post: batches reach a thread in the order they are posted, so a source marked as known here
    // arrives before any batch that relies on it. (Marked during the loop above, a concurrent run could post a batch
    // relying on it first: "template … is missing" in the thread, seen with batches of 400 in `postflow bench`.)
    const t = this.pick();
    const templates: Array<[string, TemplateSource]> = [];
    for (const [key, source] of needed) {
      if (t.known.has(key)) continue;
      t.known.add(key);
      templates.push([key, source]);
    }
    const seq = ++this.seq;
    const results = await new Promise<ComposeSendResult[]>((resolve) => {
      t.pending.set(seq, { resolve, size: send.length });
      const msg: ThreadBatch = { type: 'batch', seq, now, templates, batch: send, inDoubt };
      t.worker.postMessage(msg);
    });
    at.forEach((i, k) => {
      const r = results[k]!;
      // A dead thread's answer carries no Message-ID; it is derived from the message, as the composer does.
      failed[i] = r.composed && !r.messageId ? { ...r, messageId: messageIdFor(send[k]!) } : r;
    });
    return failed;
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.threads.map(async (t) => {
      if (!t || t.dead) return;
      const gone = new Promise<void>((resolve) => t.worker.once('exit', () => resolve()));
      t.worker.postMessage({ type: 'close' });
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([gone, new Promise<void>((r) => (timer = setTimeout(r, 10_000)))]);
      clearTimeout(timer);
      await t.worker.terminate();
    }));
  }

  private pick(): DeliveryThread {
    let best = -1;
    let load = Infinity;
    for (let i = 0; i < this.threads.length; i++) {
      let t = this.threads[i];
      if (!t || t.dead) t = this.threads[i] = this.spawn(i);
      let n = 0;
      for (const p of t.pending.values()) n += p.size;
      if (n < load) {
        load = n;
        best = i;
      }
    }
    return this.threads[best]!;
  }

  // A replacement takes the index, and so the share of the relay's connections, of the thread it replaces.
  private spawn(index: number): DeliveryThread {
    const data = typeof this.workerData === 'function' ? (this.workerData as (i: number) => unknown)(index) : this.workerData;
    // A young generation of 8 MB for a single thread, 4 MB each for more, instead of V8's default (up to 3 × 16 MB):
    // the threads' garbage is short-lived batches. The default let one thread's peak RSS grow by ~20 MiB for no
    // measurable speed; with two threads, 8 MB against 4 MB gave the same speed for 14 MiB more (bench/RESULTS.md, session 14).
    const youngMb = this.threads.length > 1 ? 4 : 8;
    return new DeliveryThread(this.script, data, youngMb, (d, why) => this.died(d, why));
  }

  private died(t: DeliveryThread, why: string): void {
    if (t.dead) return;
    t.dead = true;
    this.retired.hits += t.cache.hits;
    this.retired.misses += t.cache.misses;
    if (!this.closing) this.onError(`delivery thread ${why}`);
    const response = `delivery thread ${why}: the outcome of this attempt is unknown`;
    for (const p of t.pending.values()) p.resolve(Array.from({ length: p.size }, () => ({ composed: true, messageId: '', outcome: { ok: false, permanent: false, response } })));
    t.pending.clear();
  }
}
