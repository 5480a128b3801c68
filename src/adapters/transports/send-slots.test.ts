import { describe, it, expect } from 'vitest';
import { SendSlots } from './send-slots.js';

const tick = () => new Promise((r) => setTimeout(r, 1));

describe('SendSlots', () => {
  it('runs at most `limit` tasks at once, starting waiting ones in the order they came', async () => {
    const slots = new SendSlots(3);
    let running = 0;
    let peak = 0;
    const started: number[] = [];
    const task = (i: number) => slots.run(async () => {
      started.push(i);
      peak = Math.max(peak, ++running);
      await tick();
      running--;
      return i * 10;
    });
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => task(i)));
    expect(results).toEqual(Array.from({ length: 20 }, (_, i) => i * 10));
    expect(peak).toBe(3);
    expect(started).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(slots.running).toBe(0);
  });

  it('frees the slot of a task that throws', async () => {
    const slots = new SendSlots(1);
    await expect(slots.run(async () => { throw new Error('boom'); })).rejects.toThrow('boom');
    expect(await slots.run(async () => 'next')).toBe('next');
    expect(slots.running).toBe(0);
  });

  it('refuses a limit that is not a whole number of at least 1', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) expect(() => new SendSlots(bad)).toThrow(/whole number ≥ 1/);
  });
});
