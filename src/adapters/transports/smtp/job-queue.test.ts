import { describe, it, expect } from 'vitest';
import type { Job } from './connection-worker.js';
import { JobQueue } from './job-queue.js';

const job = (id: string): Job => ({ msg: { id, messageId: id, envelope: { from: '', to: ['a@b.test'] }, raw: Buffer.alloc(0) }, done: () => undefined, requeued: false, bodySent: false });

describe('JobQueue', () => {
  it('hands jobs out in order, a requeued one first', () => {
    const woke: number[] = [];
    const q = new JobQueue((n) => woke.push(n));
    q.push([job('a'), job('b'), job('c')]);
    const a = q.take()!;
    q.requeue(a);
    expect([q.take(), q.take(), q.take(), q.take()].map((j) => j?.msg.id)).toEqual(['a', 'b', 'c', undefined]);
    expect(woke).toEqual([0]);
  });

  it('parks waiting connections until work arrives, and tells them to stop on close', () => {
    const q = new JobQueue();
    const calls: boolean[] = [];
    q.wait((m) => calls.push(m));
    q.wait((m) => calls.push(m));
    expect(calls).toEqual([]);
    expect(q.push([job('a')])).toBe(2);
    expect(calls).toEqual([true, true]);
    q.wait((m) => calls.push(m)); // work is waiting: answered at once
    expect(calls).toEqual([true, true, true]);
    q.take();
    const stop: boolean[] = [];
    const w = (m: boolean) => stop.push(m);
    q.wait(w);
    q.close();
    q.wait(w);
    expect(stop).toEqual([false, false]);
  });

  it('stays correct across compaction of a long queue', () => {
    const q = new JobQueue();
    q.push(Array.from({ length: 5000 }, (_, i) => job(String(i))));
    for (let i = 0; i < 3000; i++) expect(q.take()!.msg.id).toBe(String(i));
    expect(q.size).toBe(2000);
    expect(q.drain().map((j) => j.msg.id)[0]).toBe('3000');
    expect(q.size).toBe(0);
  });

  it('tells callers it runs short below its low water, one at a time as jobs are taken, all when it empties or closes', async () => {
    const q = new JobQueue(() => undefined, 3);
    const told: string[] = [];
    const ask = (name: string) => void q.whenShort().then(() => told.push(name));
    ask('empty');
    await Promise.resolve();
    expect(told).toEqual(['empty']); // fewer than 3 wait: at once
    q.push(['a', 'b', 'c', 'd', 'e'].map(job));
    ask('x');
    ask('y');
    ask('z');
    q.take(); // 4 left
    q.take(); // 3 left: not short yet
    await Promise.resolve();
    expect(told).toEqual(['empty']);
    q.take(); // 2 left: one caller is told
    await Promise.resolve();
    expect(told).toEqual(['empty', 'x']);
    q.take(); // 1 left: the next
    await Promise.resolve();
    expect(told).toEqual(['empty', 'x', 'y']);
    ask('w'); // 1 waits: short already, told at once, before 'z' who still waits its turn
    await Promise.resolve();
    expect(told).toEqual(['empty', 'x', 'y', 'w']);
    q.drain(); // empty: everyone still waiting
    await Promise.resolve();
    expect(told).toEqual(['empty', 'x', 'y', 'w', 'z']);
    q.push(['f', 'g', 'h'].map(job));
    ask('closing');
    q.close();
    await q.whenShort(); // closed: at once, whatever waits
    expect(told).toContain('closing');
  });
});
