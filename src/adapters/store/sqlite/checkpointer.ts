import { Worker } from 'node:worker_threads';

// The thread's whole program: its own connection, a PASSIVE checkpoint every `everyMs`; when the WAL file has grown
// past `truncateBytes` (PASSIVE never shrinks it, and under constant writes it may never get a chance to restart),
// a TRUNCATE checkpoint, which briefly waits for writers, brings it back to zero.
const SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const { statSync } = require('node:fs');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 5000');
const walSize = () => { try { return statSync(workerData.file + '-wal').size; } catch { return 0; } };
const tick = () => {
  try {
    db.pragma(walSize() > workerData.truncateBytes ? 'wal_checkpoint(TRUNCATE)' : 'wal_checkpoint(PASSIVE)');
  } catch (e) { parentPort.postMessage(String(e && e.message)); }
};
const timer = setInterval(tick, workerData.everyMs);
parentPort.on('message', (m) => { if (m === 'stop') { clearInterval(timer); tick(); db.close(); process.exit(0); } });
`;

/**
 * Checkpoints the WAL from a thread of its own. With synchronous=NORMAL the only fsyncs SQLite does in WAL mode
 * are at checkpoints; run on the main connection they stall the event loop (~12 µs of every accepted message in
 * bench/RESULTS.md). PASSIVE checkpoints never block writers; the main connection's auto-checkpoint is turned off.
 * The WAL is truncated once it passes 64 MiB, so it stays bounded under sustained load.
 */
export class Checkpointer {
  private readonly worker: Worker;

  constructor(file: string, driverPath: string, opts: { everyMs?: number; truncateBytes?: number } = {}, onError: (msg: string) => void = () => undefined) {
    const workerData = { file, driver: driverPath, everyMs: opts.everyMs ?? 1000, truncateBytes: opts.truncateBytes ?? 64 * 1024 * 1024 };
    this.worker = new Worker(SOURCE, { eval: true, workerData });
    this.worker.on('message', (m: string) => onError(m));
    this.worker.on('error', (e) => onError(e.message));
    this.worker.unref();
  }

  /** Run a last checkpoint and end the thread. */
  async stop(): Promise<void> {
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
