// Test support: a whole Postflow runtime on a temp data dir (SQLite by default), with a known admin key.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../src/config/config.js';
import { closeRuntime, createHttp, createRuntime, type Runtime } from '../../src/main/runtime.js';
import type { Clock } from '../../src/ports/clock.js';

export const ADMIN_KEY = 'pf_admin_test_key_0123456789abcdef';

/** A runtime and its HTTP app; `close()` stops everything and removes the data dir. */
export interface TestServer {
  rt: Runtime;
  app: FastifyInstance;
  dataDir: string;
  auth: { authorization: string };
  close: () => Promise<void>;
}

/** Start a runtime (workers not started unless `startWorkers`) with extra POSTFLOW_* settings. */
export async function startTestServer(env: Record<string, string> = {}, opts: { startWorkers?: boolean; clock?: Clock } = {}): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pf-test-'));
  const config = loadConfig({ POSTFLOW_DATA_DIR: dataDir, POSTFLOW_ADMIN_KEY: ADMIN_KEY, POSTFLOW_LOG_LEVEL: 'silent', POSTFLOW_IDLE_MS: '50', ...env });
  const rt = await createRuntime(config, opts.clock);
  await rt.apiKeys.ensureAdmin(ADMIN_KEY);
  const app = await createHttp(rt);
  await app.ready();
  if (opts.startWorkers) rt.worker.start();
  return {
    rt, app, dataDir,
    auth: { authorization: `Bearer ${ADMIN_KEY}` },
    close: async () => {
      await app.close();
      await closeRuntime(rt);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
