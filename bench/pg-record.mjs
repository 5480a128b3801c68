// bench/pg-record: PostgreSQL claim and record µs per message (wall), 10,000 messages in claims of 200, on a temp database.
//   npm run build && node bench/pg-record.mjs <checkout root, e.g. $PWD or a git-archived older commit>
import pg from 'pg';
const root = process.argv[2] ?? new URL('..', import.meta.url).pathname.replace(/\/$/, '');
const { PostgresStore } = await import(root + '/dist/adapters/store/postgres/postgres-store.js');
const { monotonicFactory } = await import('ulid');
const next = monotonicFactory(); const dbn = 'pf_rec_' + Math.random().toString(36).slice(2, 8);
const admin = new pg.Client('postgres://postgres@127.0.0.1:5432/postgres'); await admin.connect(); await admin.query(`CREATE DATABASE ${dbn}`);
const store = PostgresStore.open(`postgres://postgres@127.0.0.1:5432/${dbn}`, 4); await store.migrate();
const N = 10000; const T0 = 1.8e12;
for (let b = 0; b < N / 1000; b++) await store.insertMessages(Array.from({ length: 1000 }, (_, i) => ({ id: next(), toAddress: `u${b}_${i}@x.com`, toName: null, toDomain: 'x.com', fromAddress: 'a@b.c', fromName: null, replyTo: null, templateId: null, templateVersion: null, subject: 's', html: '<p>h</p>', text: null, variables: { a: 1 }, headers: {}, tags: [], priority: 2, dueAt: T0, idempotencyKey: null, apiKeyId: null, maxAttempts: 4, createdAt: T0 })));
let tc = 0, tr = 0;
for (;;) { let t = performance.now(); const c = await store.claimMessages('w', T0, 200, 60000); tc += performance.now() - t; if (!c.length) break;
  t = performance.now(); await store.recordResults('w', c.map(m => ({ id: m.id, status: 'sent', at: T0 + 5, transport: 'smtp', providerMessageId: 'q', messageIdHeader: m.id + '@x', code: 250, processingMs: 5 }))); tr += performance.now() - t; }
console.log(root, 'PG claim', (tc * 1000 / N).toFixed(1), 'µs/msg, record', (tr * 1000 / N).toFixed(1), 'µs/msg (wall)');
await store.close(); await admin.query(`DROP DATABASE ${dbn}`); await admin.end();
