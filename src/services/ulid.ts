import { randomFillSync } from 'node:crypto';

/** Crockford's base32, as ULIDs spell it. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const CODES = Uint8Array.from(ALPHABET, (c) => c.charCodeAt(0));
const POOL_SIZE = 4096;

/**
 * A monotonic ULID factory (https://github.com/ulid/spec): 48-bit millisecond time + 80 random bits, 26 characters;
 * ids made in the same millisecond (or when the clock steps back) increment the previous random part, so ids from
 * one factory always sort in the order they were made — the contract of the `ulid` package's `monotonicFactory`.
 *
 * It exists because that package asks the system for one random byte per character (16 calls of getRandomValues per
 * id): ~5 µs per id, measurable on the accept path and in imports (bench/RESULTS.md). Here random bytes come from a
 * pooled 4 KB buffer refilled by one randomFillSync call every 256 ids. Each character takes the low 5 bits of one
 * byte (256 is a multiple of 32, so every character stays uniform).
 */
export function monotonicUlid(): (seedTime?: number) => string {
  const pool = Buffer.allocUnsafe(POOL_SIZE);
  let pos = POOL_SIZE;
  const out = Buffer.allocUnsafe(26);
  const rand = new Uint8Array(16); // the random part as 16 base32 digits
  let lastTime = Number.NEGATIVE_INFINITY;
  return (seedTime = Date.now()): string => {
    if (seedTime !== lastTime && !(Number.isInteger(seedTime) && seedTime >= 0 && seedTime <= 0xffff_ffff_ffff)) {
      throw new RangeError(`ulid: time must be a 48-bit integer of milliseconds, got ${seedTime}`);
    }
    if (seedTime > lastTime) {
      lastTime = seedTime;
      let t = seedTime;
      for (let i = 9; i >= 0; i--) {
        out[i] = CODES[t % 32]!;
        t = Math.floor(t / 32);
      }
      if (pos + 16 > POOL_SIZE) {
        randomFillSync(pool);
        pos = 0;
      }
      for (let i = 0; i < 16; i++) rand[i] = pool[pos++]! & 31;
    } else {
      // Same millisecond, or the clock went back: the next id is the previous one plus one (RFC-like carry).
      let i = 15;
      while (i >= 0 && rand[i] === 31) rand[i--] = 0;
      if (i < 0) throw new Error('ulid: random part overflowed within one millisecond');
      rand[i]!++;
    }
    for (let i = 0; i < 16; i++) out[10 + i] = CODES[rand[i]!]!;
    return out.toString('latin1', 0, 26);
  };
}
