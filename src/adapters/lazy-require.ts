import { createRequire } from 'node:module';

const requireHere = createRequire(import.meta.url);

/**
 * A CommonJS package loaded the first time it is used, not when the process starts. For drivers that most
 * installations never touch (pg, ioredis, the AWS SDK, mailparser): loaded at start-up they cost every
 * process ~10 MiB of heap that the garbage collector marks again and again, and 10–15 MiB of RSS
 * (docs/adr/0025-lazy-drivers.md). Types still come from `import type`.
 */
export function lazyRequire<T>(id: string): () => T {
  let mod: T | undefined;
  return () => (mod ??= requireHere(id) as T);
}
