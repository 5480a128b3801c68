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
});
