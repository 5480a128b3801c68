// Test support: the delivery pipeline in one process (temp SQLite store, catalog, accept service, fake clock),
// for tests that drive the worker step by step with a transport of their choosing.
import { afterEach, beforeEach } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../src/adapters/store/sqlite/sqlite-store.js';
import { TemplateEngine } from '../../src/compose/template-engine.js';
import { TemplateCatalog } from '../../src/services/template-catalog.js';
import { AcceptMessages } from '../../src/services/accept-message.js';
import { DeliveryWorker, type DeliveryDeps } from '../../src/engine/delivery-worker.js';
import { DEFAULT_RETRY_POLICY } from '../../src/domain/retry-policy.js';
import { silentLogger } from '../../src/ports/logger.js';
import { noMetrics } from '../../src/ports/metrics.js';
import type { Transport } from '../../src/ports/transport.js';
import { FakeClock } from './fakes.js';

/** One pipeline: its parts, a worker factory, and `close()` that removes everything. */
export interface TestPipeline {
  store: SqliteStore;
  clock: FakeClock;
  engine: TemplateEngine;
  catalog: TemplateCatalog;
  accept: AcceptMessages;
  /** A one-loop worker over `transport` (jitter off: random 0.5), with extra deps such as a throttle gate. */
  worker: (transport: Transport, batchSize?: number, extra?: Partial<DeliveryDeps>) => DeliveryWorker;
  close: () => Promise<void>;
}

/** Build a fresh pipeline on a temp SQLite file. */
export async function makePipeline(): Promise<TestPipeline> {
  const dir = mkdtempSync(join(tmpdir(), 'pf-pipeline-'));
  const store = SqliteStore.open(join(dir, 'db'));
  await store.migrate();
  const clock = new FakeClock();
  const engine = new TemplateEngine();
  const catalog = new TemplateCatalog(store, engine, clock);
  const accept = new AcceptMessages(store, catalog, clock, { defaultFrom: { address: 'app@postflow.test', domain: 'postflow.test', name: 'App' }, maxAttempts: 4 });
  return {
    store, clock, engine, catalog, accept,
    worker: (transport, batchSize = 10, extra = {}) =>
      new DeliveryWorker({ store, transport, catalog, engine, clock, log: silentLogger, metrics: noMetrics, random: () => 0.5, ...extra }, { loops: 1, batchSize, leaseMs: 30_000, idleMs: 50, retry: DEFAULT_RETRY_POLICY }),
    close: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A fresh pipeline for every test of the calling file (registers beforeEach/afterEach). Read its parts through
 * the returned object inside tests: they change from one test to the next.
 */
export function usePipeline(): { readonly current: TestPipeline } {
  const holder = { current: undefined as unknown as TestPipeline };
  beforeEach(async () => {
    holder.current = await makePipeline();
  });
  afterEach(async () => {
    await holder.current.close();
  });
  return holder;
}
