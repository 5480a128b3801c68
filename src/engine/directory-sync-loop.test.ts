import { describe, it, expect } from 'vitest';
import { silentLogger } from '../ports/logger.js';
import { DirectorySyncLoop } from './directory-sync-loop.js';

describe('DirectorySyncLoop', () => {
  it('ticks at once with its interval, never overlaps, and stop() waits for the tick in progress', async () => {
    const seen: number[] = [];
    let running = 0;
    let overlap = false;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const loop = new DirectorySyncLoop({
      syncDue: async (ms) => {
        if (running++ > 0) overlap = true;
        seen.push(ms);
        await gate;
        running--;
        return 1;
      },
    }, 60 * 60_000, silentLogger);
    loop.start();
    loop.start();
    await new Promise((r) => setTimeout(r, 30));
    expect(seen).toEqual([3_600_000]);
    const stopped = loop.stop();
    let done = false;
    void stopped.then(() => (done = true));
    await new Promise((r) => setTimeout(r, 10));
    expect(done).toBe(false);
    release();
    await stopped;
    expect(overlap).toBe(false);
    expect(seen).toHaveLength(1);
  });

  it('does nothing with an interval of 0 (sync on demand only)', async () => {
    let calls = 0;
    const loop = new DirectorySyncLoop({ syncDue: async () => ++calls }, 0, silentLogger);
    loop.start();
    await new Promise((r) => setTimeout(r, 20));
    await loop.stop();
    expect(calls).toBe(0);
  });
});
