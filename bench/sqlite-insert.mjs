// Micro-measure: inserting Postflow message rows (template mode, random recipients) into SQLite with the real
// migrations, 1,000 rows per transaction: the store's hot path (dist/, 25 rows per multi-row INSERT) against one
// row per INSERT of all columns from messageToRow (the hot path before session 3) and one row per INSERT of the
// varying columns only.
//
//   node bench/sqlite-insert.mjs [variant…]            wall and CPU µs per row (default: each variant twice, interleaved)
//   ROWS=20000 valgrind --tool=callgrind --smc-check=all-non-file node bench/sqlite-insert.mjs <variant>
//                                                       instructions, repeatable whatever else the machine does;
//                                                       subtract the `none` variant (data generation, start-up)
// Variants: none, hotpath, perRowAll, perRowLean. Needs `npm run build`.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
const ROOT = new URL('../dist', import.meta.url).href;
const { migrationsFor } = await import(`${ROOT}/adapters/store/migrations.js`);
const { messageToRow } = await import(`${ROOT}/adapters/store/rows.js`);
const { SqliteHotPath } = await import(`${ROOT}/adapters/store/sqlite/sqlite-hot-path.js`);
const { monotonicUlid } = await import(`${ROOT}/services/ulid.js`);
const N = Number(process.env.ROWS ?? 100_000), B = 1000;
const nextId = monotonicUlid();
function msgs(run, n = N) {
  const now = Date.now();
  return Array.from({ length: n }, (_, i) => ({
    id: nextId(now + i), toAddress: `ada.${(Math.imul(i + 1, 2654435761) >>> 0).toString(36)}.${run}@example.com`, toName: i % 3 ? null : 'Ada L', toDomain: 'example.com',
    fromAddress: 'postflow@postflow.local', fromName: 'Postflow', replyTo: null, templateId: 'order', templateVersion: 1, subject: null, html: null, text: null,
    variables: { first_name: 'Ada', last_name: 'L', order_id: `${100000 + i}`, items: [{ name: 'Tea', qty: 1, price: '3.50' }], total: '3.50' },
    headers: {}, tags: [], priority: 2, dueAt: now, idempotencyKey: null, apiKeyId: 'bench', maxAttempts: 4, createdAt: now,
  }));
}
function open() {
  const dir = mkdtempSync(join(tmpdir(), 'pf-mb-'));
  const db = new Database(join(dir, 'db'));
  db.pragma('journal_mode = WAL'); db.pragma('synchronous = NORMAL');
  for (const m of migrationsFor('sqlite')) for (const st of m.statements) db.exec(st);
  return { db, dir };
}
const LEAN = ['id', 'priority', 'due_at', 'max_attempts', 'to_address', 'to_name', 'to_domain', 'from_address', 'from_name', 'reply_to', 'template_id', 'template_version', 'subject', 'html', 'text', 'variables', 'headers', 'tags', 'idempotency_key', 'api_key_id', 'created_at', 'sender_pool', 'updated_at'];
const leanParams = (m, out, o) => {
  out[o] = m.id; out[o + 1] = m.priority; out[o + 2] = m.dueAt; out[o + 3] = m.maxAttempts; out[o + 4] = m.toAddress; out[o + 5] = m.toName; out[o + 6] = m.toDomain;
  out[o + 7] = m.fromAddress; out[o + 8] = m.fromName; out[o + 9] = m.replyTo; out[o + 10] = m.templateId; out[o + 11] = m.templateVersion; out[o + 12] = m.subject;
  out[o + 13] = m.html; out[o + 14] = m.text; out[o + 15] = JSON.stringify(m.variables); out[o + 16] = JSON.stringify(m.headers); out[o + 17] = JSON.stringify(m.tags);
  out[o + 18] = m.idempotencyKey; out[o + 19] = m.apiKeyId; out[o + 20] = m.createdAt; out[o + 21] = m.senderPool ?? null; out[o + 22] = m.createdAt;
};
const tuple = () => `(${LEAN.map(() => '?').join(', ')}, 'queued', 1)`;
const variants = {
  none: () => () => [],
  hotpath: (db) => { const hp = new SqliteHotPath(db); return (batch) => hp.insertMessages(batch); },
  perRowAll: (db) => {
    const cols = Object.keys(messageToRow(msgs(-1, 1)[0]));
    const st = db.prepare(`INSERT INTO messages (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')}) ON CONFLICT DO NOTHING`);
    return (batch) => db.transaction(() => batch.map((m) => { const row = messageToRow(m); return st.run(cols.map((c) => row[c])).changes; })).immediate();
  },
  perRowLean: (db) => {
    const st = db.prepare(`INSERT INTO messages (${LEAN.join(', ')}, status, queue_state) VALUES ${tuple()} ON CONFLICT DO NOTHING`);
    const p = new Array(LEAN.length);
    return (batch) => db.transaction(() => batch.map((m) => { leanParams(m, p, 0); return st.run(p).changes; })).immediate();
  },
};
const order = process.argv.slice(2).length ? process.argv.slice(2) : ['perRowAll', 'perRowLean', 'hotpath', 'perRowAll', 'perRowLean', 'hotpath'];
let run = 0;
for (const name of order) {
  const { db, dir } = open();
  const ins = variants[name](db);
  const all = msgs(run++);
  const c0 = process.cpuUsage(); const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i += B) ins(all.slice(i, i + B));
  const wall = Number(process.hrtime.bigint() - t0) / 1e3 / N; const c = process.cpuUsage(c0);
  const n = db.prepare('SELECT count(*) FROM messages').pluck().get();
  console.log(`${name.padEnd(8)} ${wall.toFixed(2)} µs/row wall, ${((c.user + c.system) / N).toFixed(2)} µs/row CPU (${n} rows)`);
  db.close(); rmSync(dir, { recursive: true, force: true });
}
