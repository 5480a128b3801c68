// bench/sqlite-rows: CPU µs per row to read 200 message rows from better-sqlite3 as objects vs raw arrays (+ the
// record conversion), in memory. Why SqliteHotPath's claim reads raw rows.   npm run build && node bench/sqlite-rows.mjs
import Database from 'better-sqlite3';
import { migrationsFor } from '../dist/adapters/store/migrations.js';
import { SqliteHotPath } from '../dist/adapters/store/sqlite/sqlite-hot-path.js';
import { rowToMessage } from '../dist/adapters/store/rows.js';
import { monotonicFactory } from 'ulid';
const db = new Database(':memory:');
for (const m of migrationsFor('sqlite')) for (const s of m.statements) db.exec(s);
const hot = new SqliteHotPath(db); const next = monotonicFactory();
hot.insertMessages(Array.from({ length: 200 }, (_, i) => ({ id: next(), toAddress: `u${i}@x.com`, toName: null, toDomain: 'x.com', fromAddress: 'a@b.c', fromName: 'App', replyTo: null, templateId: 't', templateVersion: 1, subject: null, html: null, text: null, variables: { first_name: 'Jane', last_name: 'Doe', order_id: 'A'+i, items: [{name:'Widget', qty: 2, price: '9.99'},{name:'Gadget',qty:1,price:'19.99'}], total: '39.97', city: 'Lisbon' }, headers: {}, tags: ['order'], priority: 2, dueAt: 0, idempotencyKey: null, apiKeyId: 'k', maxAttempts: 4, createdAt: 0 })));
const obj = db.prepare('SELECT * FROM messages'); const raw = db.prepare('SELECT * FROM messages').raw(); const cols = raw.columns().map(c => c.name);
const body = 'return {' + cols.map((c, i) => `${JSON.stringify(c)}: r[${i}]`).join(',') + '}'; const mk = new Function('r', body);
const R = 300;
for (const [name, fn] of [['obj', () => obj.all()], ['obj+rowToMessage', () => obj.all().map(rowToMessage)], ['raw', () => raw.all()], ['raw+mk+rowToMessage', () => raw.all().map(r => rowToMessage(mk(r)))], ['obj', () => obj.all()], ['raw+mk+rowToMessage', () => raw.all().map(r => rowToMessage(mk(r)))], ['obj+rowToMessage', () => obj.all().map(rowToMessage)]]) {
  for (let i = 0; i < 50; i++) fn();
  const t = process.cpuUsage(); for (let i = 0; i < R; i++) fn(); const d = process.cpuUsage(t); console.log(name.padEnd(22), ((d.user + d.system) / (R * 200)).toFixed(2), 'µs/row');
}
