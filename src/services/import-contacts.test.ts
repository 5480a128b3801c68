// The import service against a real SQLite contact store whose writes fail on demand: transient failures are
// retried, and a failure the store cannot even record still reaches the caller as a failed job.
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../adapters/store/sqlite/sqlite-store.js';
import { SqlContactStore } from '../adapters/store/sql-contact-store.js';
import type { ContactStore } from '../ports/contact-store.js';
import { ImportContacts, type ImportSource } from './import-contacts.js';

const clock = { now: () => 1_800_000_000_000 };
const csv = (rows: number) => `email,first_name\n${Array.from({ length: rows }, (_, i) => `p${i}@example.com,P${i}`).join('\n')}\n`;
const source = (text: string): ImportSource => ({ name: 'test', open: () => (async function* () { yield Buffer.from(text); })() });
const busy = () => Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });

let dir: string;
let store: SqliteStore;
let contacts: SqlContactStore;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pf-import-svc-'));
  store = SqliteStore.open(join(dir, 'db'));
  await store.migrate();
  contacts = new SqlContactStore(store.sqlContext());
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The contact store with `applyImportBatch` / `setImportState` failing as `plan` says for the n-th call. */
function flaky(plan: { batch?: (n: number) => Error | null; state?: (state: string) => Error | null }): ContactStore {
  let n = 0;
  return new Proxy(contacts, {
    get(target, prop, recv) {
      if (prop === 'applyImportBatch') return async (b: Parameters<ContactStore['applyImportBatch']>[0]) => {
        const e = plan.batch?.(++n);
        if (e) throw e;
        return target.applyImportBatch(b);
      };
      if (prop === 'setImportState') return async (...a: Parameters<ContactStore['setImportState']>) => {
        const e = plan.state?.(a[1]);
        if (e) throw e;
        return target.setImportState(...a);
      };
      return Reflect.get(target, prop, recv);
    },
  });
}

describe('ImportContacts', () => {
  it('retries a batch the store refused as busy, and completes', async () => {
    const imports = new ImportContacts(flaky({ batch: (n) => (n === 2 || n === 3 ? busy() : null) }), clock, 100);
    const { done } = await imports.start(source(csv(450)));
    expect(await done).toMatchObject({ state: 'completed', inserted: 450, failed: 0 });
    expect(await contacts.countContacts({})).toBe(450);
  });

  it('fails on an error that is not transient, keeping what earlier batches committed and saying so', async () => {
    const imports = new ImportContacts(flaky({ batch: (n) => (n === 3 ? new Error('disk I/O error') : null) }), clock, 100);
    const { done } = await imports.start(source(csv(450)));
    expect(await done).toMatchObject({ state: 'failed', rowsRead: 200, inserted: 200, error: { code: 'INTERNAL', message: 'the import stopped: disk I/O error' } });
  });

  it('reports a failure even when the store cannot record it', async () => {
    const imports = new ImportContacts(flaky({ batch: () => new Error('disk full'), state: (s) => (s === 'failed' ? new Error('disk full') : null) }), clock, 100);
    const { job, done } = await imports.start(source(csv(50)));
    expect(await done).toMatchObject({ id: job.id, state: 'failed', error: { code: 'INTERNAL', message: 'the import stopped: disk full' } });
  });
});
