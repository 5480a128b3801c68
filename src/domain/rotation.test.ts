import { describe, it, expect } from 'vitest';
import { pickSender, type Candidate } from './rotation.js';

const C = (id: string, remaining: number, weight = 1): Candidate => ({ id, remaining, weight });

describe('pickSender', () => {
  const pool = [C('b', 10), C('a', 5), C('c', 0), C('d', 20, 3)];

  it('round-robins over usable senders in id order, skipping exhausted ones', () => {
    const order: string[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 5; i++) {
      cursor = pickSender('round_robin', pool, cursor, 0)!.id;
      order.push(cursor);
    }
    expect(order).toEqual(['a', 'b', 'd', 'a', 'b']);
  });

  it('least_used picks the most remaining quota', () => {
    expect(pickSender('least_used', pool, null, 0)!.id).toBe('d');
  });

  it('weighted follows the weights over many draws; random covers every usable sender', () => {
    const counts: Record<string, number> = {};
    for (let i = 0; i < 1000; i++) {
      const id = pickSender('weighted', pool, null, i / 1000)!.id;
      counts[id] = (counts[id] ?? 0) + 1;
    }
    expect(counts).toEqual({ a: 200, b: 200, d: 600 });
    const seen = new Set(Array.from({ length: 30 }, (_, i) => pickSender('random', pool, null, i / 30)!.id));
    expect(seen).toEqual(new Set(['a', 'b', 'd']));
  });

  it('gives nobody when every sender is exhausted', () => {
    expect(pickSender('least_used', [C('x', 0)], null, 0.5)).toBeNull();
  });
});
