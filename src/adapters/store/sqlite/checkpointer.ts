import { Worker } from 'node:worker_threads';

// The thread's whole program: its own connection, a PASSIVE checkpoint every `everyMs`.
const SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 1000');
const tick = () => { try { db.pragma('wal_checkpoint(PASSIVE)'); } catch (e) { parentPort.postMessage(String(e && e.message)); } };
const timer = setInterval(tick, workerData.everyMs);
parentPort.on('message', (m) => { if (m === 'stop') { clearInterval(timer); tick(); db.close(); process.exit(0); } });
`;

/**
 * Checkpoints the WAL from a thread of its own. With synchronous=NORMAL the only fsyncs SQLite does in WAL mode
 * are at checkpoints; run on the main connection they stall the event loop (~12 µs of every accepted message in
 * bench/RESULTS.md). PASSIVE checkpoints never block writers; the main connection's auto-checkpoint is turned off.
 */
export class Checkpointer {
  private readonly worker: Worker;

  constructor(file: string, driverPath: string, everyMs = 1000, onError: (msg: string) => void = () => undefined) {
    this.worker = new Worker(SOURCE, { eval: true, workerData: { file, driver: driverPath, everyMs } });
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
