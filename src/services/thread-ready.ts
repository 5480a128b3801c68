import type { Worker } from 'node:worker_threads';

/** What a worker thread posts once its modules are loaded and it takes work. */
export interface ThreadReadyMessage {
  type: 'ready';
}
export const THREAD_READY: ThreadReadyMessage = { type: 'ready' };

/**
 * Resolves when `worker` posts THREAD_READY; rejects, naming `what`, when it fails or exits before. Call it right after
 * constructing the worker: its messages are delivered from a later turn of the event loop, so none is missed. The
 * rejection is seen by whoever waits on the promise, and by no one else: a thread nobody waits for (one started on
 * first use) reports its death through its own 'error'/'exit' handlers, not as an unhandled rejection.
 */
export function threadReady(worker: Worker, what: string): Promise<void> {
  const ready = new Promise<void>((resolve, reject) => {
    const done = (): void => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    const onMessage = (m: unknown): void => {
      if ((m as { type?: unknown } | null)?.type !== THREAD_READY.type) return;
      done();
      resolve();
    };
    const onError = (e: Error): void => {
      done();
      reject(new Error(`${what} failed to start: ${e.message}`));
    };
    const onExit = (code: number): void => {
      done();
      reject(new Error(`${what} exited with code ${code} before it started`));
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
  ready.catch(() => undefined);
  return ready;
}
