import { Worker } from 'node:worker_threads';

// The thread's whole program: its own connection and, every `everyMs`, a PASSIVE checkpoint, which copies the
// committed pages into the database file without blocking the writer. Under continuous writes the writer never finds
// the WAL fully copied when it starts a transaction, so it never starts the WAL over and the file grows without end
// (measured: 1 GiB after 400,000 messages, and slower lookups as it grows). So when the WAL holds more than
// `restartBytes` after the PASSIVE, the thread asks for the write slot ('want-write') and, given it
// ('restart'), runs a RESTART checkpoint: it copies only what was written during the PASSIVE, and the next write
// starts the WAL from its beginning (the main connection's journal_size_limit then cuts the file back).
const SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 5000');
const pageSize = db.pragma('page_size', { simple: true });
let asked = false;
const checkpoint = (mode) => {
  try { return db.pragma('wal_checkpoint(' + mode + ')')[0]; }
  catch (e) { parentPort.postMessage({ type: 'error', message: String(e && e.message) }); return null; }
};
const tick = () => {
  const r = checkpoint('PASSIVE');
  if (!asked && r && r.log * pageSize > workerData.restartBytes) {
    asked = true;
    parentPort.postMessage({ type: 'want-write' });
  }
};
const timer = setInterval(tick, workerData.everyMs);
parentPort.on('message', (m) => {
  if (m === 'restart') {
    checkpoint('RESTART');
    asked = false;
    parentPort.postMessage({ type: 'restarted' });
  } else if (m === 'stop') { clearInterval(timer); tick(); db.close(); process.exit(0); }
});
`;

type Reply = { type: 'error'; message: string } | { type: 'want-write' } | { type: 'restarted' };

/** Runs `fn` when no other write of the store is under way, holding the others off until it settles. */
export type WriteSlot = <T>(fn: () => Promise<T>) => Promise<T>;

/**
 * Checkpoints the WAL from a thread of its own. With synchronous=NORMAL the only fsyncs SQLite does in WAL mode
 * are at checkpoints; run on the main connection they stall the event loop (~12 µs of every accepted message in
 * bench/RESULTS.md). PASSIVE checkpoints never block writers; the main connection's auto-checkpoint is turned off.
 * The short RESTART that lets the WAL start over takes SQLite's write lock, so it runs inside the main connection's
 * write slot: the main thread's writes queue asynchronously meanwhile, instead of its connection sleeping in
 * SQLite's busy handler on the event loop (bench/RESULTS.md, session 4).
 */
export class Checkpointer {
  private readonly worker: Worker;
  private restarted: (() => void) | null = null;
  private stopping = false;
  private exited = false;

  constructor(file: string, driverPath: string, slot: WriteSlot, opts: { everyMs?: number; restartBytes?: number } = {}, onError: (msg: string) => void = () => undefined) {
    const workerData = { file, driver: driverPath, everyMs: opts.everyMs ?? 1000, restartBytes: opts.restartBytes ?? 64 * 1024 * 1024 };
    this.worker = new Worker(SOURCE, { eval: true, workerData });
    this.worker.on('message', (m: Reply) => {
      if (m.type === 'error') onError(m.message);
      else if (m.type === 'restarted') this.restarted?.();
      else if (!this.stopping) slot(() => this.restart()).catch((e: Error) => onError(e.message));
    });
    this.worker.on('error', (e) => onError(e.message));
    this.worker.on('exit', () => {
      this.exited = true;
      this.restarted?.();
    });
    this.worker.unref();
  }

  /** One RESTART checkpoint on the thread; settles when it is done (or the thread is gone). */
  private restart(): Promise<void> {
    if (this.exited) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.restarted = () => {
        this.restarted = null;
        resolve();
      };
      this.worker.postMessage('restart');
    });
  }

  /** Run a last checkpoint and end the thread. */
  async stop(): Promise<void> {
    this.stopping = true;
    // Referenced again while stopping: an unreferenced thread would let the process end before the last checkpoint.
    this.worker.ref();
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.postMessage('stop');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise<void>((r) => (timer = setTimeout(r, 2000)))]);
    clearTimeout(timer);
    await this.worker.terminate();
  }
}
