// The leak check of DESIGN convention 10, run for every test file (vitest setupFiles): a file that leaves a socket, a
// listening server, a child process or a worker thread open once its own hooks have run fails, naming what it left. Vitest runs each
// file in a process of its own and ends it afterwards, so without this a leak would pass unnoticed — and a leak in a
// test is usually one in the code under test (a transport that does not close its connections, a thread not ended).
import { afterAll, beforeAll } from 'vitest';
import type { Worker } from 'node:worker_threads';

/** Handle kinds that are a leak when a file leaves more of them than it found (timers are not: unref'd ones are normal). */
const WATCHED = ['TCPSocketWrap', 'TCPServerWrap', 'PipeWrap', 'PipeServerWrap', 'UDPWrap', 'TTYWrap', 'ProcessWrap'];
/** How long closes already asked for may take to finish (a socket's FIN, a worker's exit) before it counts as a leak. */
const GRACE_MS = 3000;

function handles(): Map<string, number> {
  const n = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) if (WATCHED.includes(kind)) n.set(kind, (n.get(kind) ?? 0) + 1);
  return n;
}

const workers = new Set<Worker>();
// Node emits 'worker' on `process` for every worker thread this process starts (the type declarations lack it).
(process as unknown as NodeJS.EventEmitter).on('worker', (w: Worker) => {
  workers.add(w);
  w.once('exit', () => workers.delete(w));
});

let before = new Map<string, number>();
beforeAll(() => {
  before = handles();
});

// Registered first, so it runs last: after the file's own afterAll hooks have closed what they opened.
afterAll(async () => {
  const left = (): string[] => {
    const now = handles();
    const out: string[] = [];
    for (const [k, v] of now) {
      const extra = v - (before.get(k) ?? 0);
      if (extra > 0) out.push(`${extra} × ${k}`);
    }
    if (workers.size) out.push(`${workers.size} × worker thread`);
    return out;
  };
  const until = Date.now() + GRACE_MS;
  let found = left();
  while (found.length && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 50));
    found = left();
  }
  if (found.length) throw new Error(`leak check: this test file left open ${found.join(', ')} (close them in its hooks)`);
});
