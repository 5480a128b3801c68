import { MemoryLimiter } from '../../src/adapters/limiter/memory-limiter.js';
import { describeLimiterContract } from './limiter-contract.js';

// In one process there is one state: "another process" is the same instance.
describeLimiterContract('memory', async () => {
  const limiter = new MemoryLimiter();
  return { limiter, other: async () => limiter, cleanup: async () => limiter.close() };
});
