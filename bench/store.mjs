#!/usr/bin/env node
// bench/store: the SQLite store alone (no HTTP, no compose): µs per message to accept (insert, batches of 1,000),
// claim (batches of 200) and record a result, for N template-style messages (default 100,000).
//   npm run build && node bench/store.mjs [N]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monotonicFactory } from 'ulid';
import { SqliteStore } from '../dist/adapters/store/sqlite/sqlite-store.js';

const N = Number(process.argv[2] ?? 100_000);
const dir = mkdtempSync(join(tmpdir(), 'pf-bench-store-'));
const store = SqliteStore.open(join(dir, 'db'));
await store.migrate();
const id = monotonicFactory();
const now = Date.now();
const D = ['gmail.com', 'yahoo.com', 'outlook.com', 'example.org'];
const msgs = Array.from({ length: N }, (_, i) => ({
  id: id(), toAddress: `user${(i * 7919) % N}@${D[i % 4]}`, toName: null, toDomain: D[i % 4], fromAddress: 'shop@example.com', fromName: null, replyTo: null,
  templateId: 'receipt', templateVersion: 1, subject: null, html: null, text: null,
  variables: { first_name: 'Ann', order_id: `A-${i}`, city: 'Springfield', product: 'Boots', size: 41, price: '€10' },
  headers: {}, tags: [], priority: 2, dueAt: now, idempotencyKey: null, apiKeyId: null, maxAttempts: 4, createdAt: now,
}));
let t = performance.now();
for (let i = 0; i < N; i += 1000) await store.insertMessages(msgs.slice(i, i + 1000));
const insertMs = performance.now() - t;
let claimMs = 0;
let recordMs = 0;
for (;;) {
  t = performance.now();
  const batch = await store.claimMessages('bench', Date.now(), 200, 60_000);
  claimMs += performance.now() - t;
  if (batch.length === 0) break;
  t = performance.now();
  await store.recordResults('bench', batch.map((m) => ({ id: m.id, status: 'sent', at: Date.now(), transport: 'smtp', providerMessageId: 'q', messageIdHeader: `${m.id}@example.com`, processingMs: 5, detail: { response: '250 2.0.0 Ok: queued as ABC123', attempt: 1 } })));
  recordMs += performance.now() - t;
}
const us = (ms) => ((ms * 1000) / N).toFixed(1);
console.log(`store (SQLite) ${N} messages: insert ${us(insertMs)} µs, claim ${us(claimMs)} µs, record ${us(recordMs)} µs per message`);
await store.close();
rmSync(dir, { recursive: true, force: true });
