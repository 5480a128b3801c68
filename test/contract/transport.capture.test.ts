import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CaptureTransport } from '../../src/adapters/transports/capture/capture-transport.js';
import { describeTransportContract } from './transport-contract.js';

// The receiving side is the outbox folder: each .eml file is one delivered message (no envelope is kept).
describeTransportContract('capture', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pf-capture-'));
  const outbox = join(dir, 'outbox');
  return {
    transport: new CaptureTransport(outbox),
    delivered: async () => {
      let names: string[] = [];
      try {
        names = readdirSync(outbox).filter((n) => n.endsWith('.eml'));
      } catch {
        // No outbox yet: nothing was delivered.
      }
      return names.map((n) => ({ raw: readFileSync(join(outbox, n)) }));
    },
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});
