#!/usr/bin/env node
// bench/accept: messages accepted per second through POST /api/v1/emails/send-batch, over real HTTP on
// 127.0.0.1, against `node bin/postflow.js api` (API only, no delivery workers) on SQLite and/or PostgreSQL.
//
//   node bench/accept.mjs [--store sqlite|postgres|both|none] [--messages N] [--batch B] [--concurrency C]
//                         [--content inline|template] [--warmup W] [--timeout S] [--json] [--cpu-prof DIR]
//                         [--pg-url URL] [--log-level L] [--anchors] [--root DIR] [--server-env POSTFLOW_X=V ...]
//
// Needs a build (`npm run build`; `npm run bench:accept` does both). Each store gets a fresh server process on a
// fresh temporary store (a temp data dir; for PostgreSQL a temporary database created on --pg-url and dropped
// afterwards). Timed: N personalised messages in requests of B (default 1,000) over C keep-alive connections;
// --content inline (default) sends the ~2.4 KB Liquid subject/html in every item, --content template creates it
// once as a stored template (before timing) and sends template_id + variables. Request bodies are built before
// the timed phase (up to 2 GiB of them), so the client's JSON building does not compete with the server for CPU.
// Reported: wall time, messages/s, p50/p99 request latency, the server's CPU seconds (utime+stime from
// /proc/<pid>/stat over the timed phase) and peak RSS (VmHWM), and a check that the store holds exactly
// W + N rows with distinct recipients, counted in the database itself. Bounded: everything stops after --timeout
// seconds (default 300). Also reported: the cores the whole machine was busy (/proc/stat) and, on PostgreSQL, the
// CPU seconds of the local `postgres` processes, so noise from other load is visible.
// --anchors (alone, or with a run) measures in the same session the anchors of /work/shared/BENCH.md that apply:
// a bare Fastify + TypeBox JSON POST server (requests/s, client on the same cores) and better-sqlite3 batched
// inserts (WAL, 500-row transactions, one prepared INSERT) of narrow rows and of this bench's message rows.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const HERE = dirname(dirname(fileURLToPath(import.meta.url)));
const CLK_TCK = 100; // Linux USER_HZ: /proc/<pid>/stat counts in 1/100 s

// ---------------------------------------------------------------------------------------------- options

const { values: opt } = parseArgs({
  options: {
    store: { type: 'string', default: 'both' },
    messages: { type: 'string', default: '200000' },
    batch: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '4' },
    warmup: { type: 'string', default: '0' },
    content: { type: 'string', default: 'inline' },
    anchors: { type: 'boolean', default: false },
    timeout: { type: 'string', default: '300' },
    json: { type: 'boolean', default: false },
    'cpu-prof': { type: 'string' },
    'pg-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
    'log-level': { type: 'string', default: 'warn' },
    root: { type: 'string' },
    'server-env': { type: 'string', multiple: true, default: [] },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});
if (opt.help) {
  process.stdout.write(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1).filter((l, i, a) => a.slice(0, i + 1).every((x) => x.startsWith('//'))).map((l) => l.replace(/^\/\/ ?/, '')).join('\n') + '\n');
  process.exit(0);
}
// --root measures another built checkout of Postflow (e.g. the previous commit, for a before/after in one session).
// --server-env sets a POSTFLOW_* variable for the server (repeatable); the bench otherwise clears them all.
const ROOT = opt.root ? resolve(opt.root) : HERE;
const BIN = join(ROOT, 'bin', 'postflow.js');

const intOpt = (name, min, max) => {
  const raw = opt[name];
  const n = Number(raw);
  if (!/^\d+$/.test(String(raw)) || n < min || n > max) die(`--${name}: expected a whole number from ${min} to ${max}, got "${raw}"`);
  return n;
};
function die(msg) {
  process.stderr.write(`bench/accept: ${msg}\n`);
  process.exit(64);
}
const N = intOpt('messages', 1, 5_000_000);
const BATCH = intOpt('batch', 1, 10_000);
const CONC = intOpt('concurrency', 1, 64);
const WARMUP = intOpt('warmup', 0, 1_000_000);
const TIMEOUT_S = intOpt('timeout', 10, 3600);
if (!['sqlite', 'postgres', 'both', 'none'].includes(opt.store)) die(`--store: expected sqlite, postgres, both or none, got "${opt.store}"`);
if (!['inline', 'template'].includes(opt.content)) die(`--content: expected inline or template, got "${opt.content}"`);
const CONTENT = opt.content;
const STORES = opt.store === 'both' ? ['sqlite', 'postgres'] : opt.store === 'none' ? [] : [opt.store];
const PG_URL = opt['pg-url'];
if (STORES.includes('postgres')) {
  const h = new URL(PG_URL).hostname;
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(h)) die(`--pg-url: only a loopback PostgreSQL is allowed, got host "${h}"`);
}
const log = (s) => { if (!opt.json) process.stderr.write(`${s}\n`); };

// ----------------------------------------------------------------------------------- hard time limit

// Cleanups (stop the server, drop the temporary database, remove the data dir) belong to the store being run;
// they run in reverse order when that run ends, however it ends. Only one pass runs at a time.
const cleanups = [];
let cleaning = null;
function runCleanups() {
  cleaning ??= (async () => {
    while (cleanups.length) {
      const fn = cleanups.pop();
      try {
        await fn();
      } catch (err) {
        process.stderr.write(`bench/accept: cleanup failed: ${err.message}\n`);
      }
    }
  })().finally(() => { cleaning = null; });
  return cleaning;
}
// On the time limit or a signal: interrupt the run (kill the server, drop connections) and let the main flow
// clean up and exit; if it does not within 30 s, clean up here and exit.
const interrupts = new Set();
let aborting = null;
function abort(reason, code) {
  if (aborting) return;
  aborting = { reason, code };
  process.stderr.write(`bench/accept: ${reason}\n`);
  for (const fn of interrupts) {
    try {
      fn();
    } catch { /* already gone */ }
  }
  setTimeout(async () => {
    await runCleanups();
    process.exit(code);
  }, 30_000).unref();
}
const deadline = setTimeout(() => abort(`aborted after ${TIMEOUT_S} s (--timeout)`, 3), TIMEOUT_S * 1000);
deadline.unref();
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => abort(`interrupted by ${sig}`, 130));

// ------------------------------------------------------------------------------------- the messages

// Inline Liquid content (~2 KB of HTML), personalised per message through `variables`.
const SUBJECT = '{{ first_name }}, your order #{{ order_id }} is confirmed';
const HTML = `<!doctype html>
<html><head><meta charset="utf-8"><title>Order {{ order_id }}</title></head>
<body style="margin:0;padding:0;background:#f4f4f7;font-family:Helvetica,Arial,sans-serif;color:#333">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f4f4f7">
<tr><td align="center" style="padding:24px">
<table role="presentation" width="600" cellpadding="0" cellspacing="0" style="background:#ffffff;border-radius:6px">
<tr><td style="padding:32px 40px 8px 40px">
<h1 style="font-size:22px;margin:0 0 12px 0">Thanks for your order, {{ first_name | default: "there" }}!</h1>
<p style="font-size:15px;line-height:22px;margin:0 0 16px 0">Hi {{ first_name }} {{ last_name }}, we have received order
<strong>#{{ order_id }}</strong> placed on {{ order_date }} and are getting it ready. You will get another email with a
tracking link as soon as it ships.</p>
</td></tr>
<tr><td style="padding:0 40px">
<table role="presentation" width="100%" cellpadding="6" cellspacing="0" style="border-collapse:collapse;font-size:14px">
<tr style="background:#fafafa"><th align="left">Item</th><th align="right">Qty</th><th align="right">Price</th></tr>
{% for item in items %}<tr><td style="border-bottom:1px solid #eee">{{ item.name }}</td><td align="right" style="border-bottom:1px solid #eee">{{ item.qty }}</td><td align="right" style="border-bottom:1px solid #eee">{{ item.price }} {{ currency }}</td></tr>
{% endfor %}<tr><td colspan="2" align="right"><strong>Total</strong></td><td align="right"><strong>{{ total }} {{ currency }}</strong></td></tr>
</table>
</td></tr>
<tr><td style="padding:16px 40px 32px 40px;font-size:14px;line-height:21px">
<p style="margin:0 0 12px 0">Shipping to: {{ city }}, {{ country }}.</p>
{% if loyalty_points > 0 %}<p style="margin:0 0 12px 0">You earned <strong>{{ loyalty_points }}</strong> loyalty points with this order.</p>{% endif %}
<p style="margin:0 0 12px 0">Questions? Reply to this email or visit <a href="https://shop.example.com/orders/{{ order_id }}">your order page</a>.</p>
<p style="margin:0">— The Example Shop team</p>
</td></tr>
</table>
<p style="font-size:12px;color:#999;margin:16px 0 0 0">You receive this email because you placed an order at shop.example.com.
<a href="https://shop.example.com/unsubscribe?u={{ user_id }}" style="color:#999">Manage email preferences</a>.</p>
</td></tr>
</table>
</body></html>
`;
const FIRST = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Margaret', 'Ken', 'Frances', 'Dennis', 'Radia', 'Linus', 'Katherine', 'John', 'Hedy', 'Niklaus'];
const LAST = ['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Knuth', 'Hamilton', 'Thompson', 'Allen', 'Ritchie', 'Perlman', 'Torvalds', 'Johnson', 'McCarthy', 'Lamarr', 'Wirth'];
const DOMAINS = ['example.com', 'example.net', 'example.org', 'mail.example.com', 'customers.example.org'];
const CITIES = [['Berlin', 'DE'], ['Lyon', 'FR'], ['Leeds', 'GB'], ['Austin', 'US'], ['Osaka', 'JP'], ['Porto', 'PT']];
const PRODUCTS = [['Espresso beans 1 kg', 24.9], ['Ceramic mug', 12.5], ['Pour-over kettle', 49], ['Paper filters x100', 6.4], ['Hand grinder', 89], ['Tasting notebook', 9.9]];
/** At most this many bytes of request bodies are built before timing (see runOne). */
const PREBUILD_BYTES = 2 * 1024 ** 3;
const RUN = randomBytes(3).toString('hex'); // recipients are distinct within and across runs

const TEMPLATE_ID = 'order-confirmation';
// What each item carries besides `to` and `variables`.
const CONTENT_JSON = CONTENT === 'inline'
  ? `"subject":${JSON.stringify(SUBJECT)},"html":${JSON.stringify(HTML)}`
  : `"template_id":${JSON.stringify(TEMPLATE_ID)}`;

/** Recipient and variables of message number `i`: a distinct address, a few domains, its own order. */
function messageFields(i) {
  const f = FIRST[i % FIRST.length];
  const l = LAST[(i >>> 4) % LAST.length];
  // The number is scrambled so that recipients arrive in random order, as an application's do: a store indexing
  // recipients pays for random B-tree positions, which sequential addresses would hide.
  const addr = `${f.toLowerCase()}.${l.toLowerCase()}.${(Math.imul(i + 1, 2654435761) >>> 0).toString(36)}.${RUN}@${DOMAINS[i % DOMAINS.length]}`;
  const to = i % 3 === 0 ? `${f} ${l} <${addr}>` : addr;
  const n = 1 + (i % 3);
  const items = [];
  let total = 0;
  for (let k = 0; k < n; k++) {
    const [name, price] = PRODUCTS[(i + k * 7) % PRODUCTS.length];
    const qty = 1 + ((i + k) % 2);
    total += price * qty;
    items.push({ name, qty, price: price.toFixed(2) });
  }
  const [city, country] = CITIES[i % CITIES.length];
  const variables = {
    first_name: f, last_name: l, user_id: `u_${RUN}_${i}`, order_id: `${100000 + i}`, order_date: '2026-11-23',
    items, total: total.toFixed(2), currency: 'EUR', city, country, loyalty_points: i % 4 === 0 ? 0 : Math.round(total),
  };
  return { to, addr, name: i % 3 === 0 ? `${f} ${l}` : null, domain: DOMAINS[i % DOMAINS.length], variables };
}

/** The JSON of message number `i`. */
function messageJson(i) {
  const { to, variables } = messageFields(i);
  return `{"to":${JSON.stringify(to)},${CONTENT_JSON},"variables":${JSON.stringify(variables)}}`;
}

/** The body of one send-batch request: messages [from, from + count). */
function batchBody(from, count) {
  const parts = new Array(count);
  for (let k = 0; k < count; k++) parts[k] = messageJson(from + k);
  return Buffer.from(`{"messages":[${parts.join(',')}]}`);
}

// ------------------------------------------------------------------------------------------ helpers

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** utime + stime of a process in seconds. */
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // f[0] is field 3 (state)
  return (Number(f[11]) + Number(f[12])) / CLK_TCK;
}

/** CPU seconds of all local `postgres` processes (server, backends, WAL writer, checkpointer), by pid. */
function postgresCpu() {
  const out = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      if (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) !== 'postgres') continue;
      out.set(d, cpuSeconds(d));
    } catch { /* gone */ }
  }
  return out;
}
const pgCpuDelta = (a, b) => [...b].reduce((sum, [pid, t]) => sum + t - (a.get(pid) ?? 0), 0);

/** Machine-wide CPU time in seconds: busy (all but idle and iowait), iowait, steal. */
function machineCpu() {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = f;
  return { busy: (user + nice + system + irq + softirq + steal) / CLK_TCK, iowait: iowait / CLK_TCK, steal: steal / CLK_TCK };
}

/** VmHWM and VmRSS of a process in MiB. */
function memory(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+)\\s+kB`, 'm').exec(status)?.[1] ?? NaN);
  return { peakRssMiB: kb('VmHWM') / 1024, rssMiB: kb('VmRSS') / 1024 };
}

function request(agent, port, method, path, body, key) {
  return new Promise((resolve, reject) => {
    const headers = { accept: 'application/json' };
    if (key) headers.authorization = `Bearer ${key}`;
    if (body) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = body.length;
    }
    const req = http.request({ host: '127.0.0.1', port, method, path, agent, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.setTimeout(120_000, () => req.destroy(new Error('request timed out after 120 s')));
    req.on('error', reject);
    req.end(body);
  });
}

const pct = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] : NaN);

// ------------------------------------------------------------------------------------------ one run

async function createPgDatabase() {
  const { default: pg } = await import('pg');
  const name = `pf_bench_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 5000 });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const u = new URL(PG_URL);
  u.pathname = `/${name}`;
  const drop = async () => {
    const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 5000 });
    await c.connect();
    try {
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    } finally {
      await c.end();
    }
  };
  const count = async () => {
    const c = new pg.Client({ connectionString: u.toString() });
    await c.connect();
    try {
      const r = await c.query(`SELECT count(*)::int AS n, count(DISTINCT to_address)::int AS d, count(*) FILTER (WHERE status = 'queued')::int AS q,
        pg_total_relation_size('messages')::bigint AS bytes FROM messages`);
      return { rows: r.rows[0].n, distinctRecipients: r.rows[0].d, queued: r.rows[0].q, storeMiB: Number(r.rows[0].bytes) / 1048576 };
    } finally {
      await c.end();
    }
  };
  return { name, url: u.toString(), drop, count };
}

async function countSqlite(file) {
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const r = db.prepare(`SELECT count(*) AS n, count(DISTINCT to_address) AS d, sum(status = 'queued') AS q FROM messages`).get();
    const pages = db.pragma('page_count', { simple: true });
    const size = db.pragma('page_size', { simple: true });
    return { rows: r.n, distinctRecipients: r.d, queued: r.q ?? 0, storeMiB: (pages * size) / 1048576 };
  } finally {
    db.close();
  }
}

async function runOne(store) {
  const dataDir = mkdtempSync(join(os.tmpdir(), 'pf-bench-accept-'));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  let pgdb = null;
  if (store === 'postgres') {
    pgdb = await createPgDatabase();
    cleanups.push(pgdb.drop);
    log(`[${store}] temporary database ${pgdb.name}`);
  }
  const port = await freePort();
  const key = `pf_bench_${randomBytes(16).toString('hex')}`;
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('POSTFLOW_')) env[k] = v;
  Object.assign(env, {
    POSTFLOW_DATA_DIR: dataDir, POSTFLOW_PORT: String(port), POSTFLOW_HOST: '127.0.0.1', POSTFLOW_ADMIN_KEY: key,
    POSTFLOW_LOG_LEVEL: opt['log-level'], POSTFLOW_KEY_RATE_LIMIT: '1000000',
  });
  if (pgdb) env.POSTFLOW_DATABASE_URL = pgdb.url;
  for (const kv of opt['server-env']) {
    const eq = kv.indexOf('=');
    if (!kv.startsWith('POSTFLOW_') || eq < 0) die(`--server-env: expected POSTFLOW_NAME=value, got "${kv}"`);
    env[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  const nodeArgs = opt['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', resolve(opt['cpu-prof'])] : [];
  // cwd is the temp dir, so no postflow.config.json of the checkout is picked up.
  // The server's Node flags are given here (not by bin/postflow.js relaunching it), so the process measured is the server.
  const { missingFlags } = await import(pathToFileURL(join(ROOT, 'dist/main/launch.js')).href);
  const child = spawn(process.execPath, [...missingFlags(['api'], env, [], dataDir), ...nodeArgs, BIN, 'api'], { cwd: dataDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const serverLines = [];
  let serverBytes = 0;
  const collect = (stream) => {
    let rest = '';
    stream.on('data', (c) => {
      serverBytes += c.length;
      const lines = (rest + c.toString('utf8')).split('\n');
      rest = lines.pop();
      for (const l of lines) if (l.trim() && serverLines.length < 200) serverLines.push(l);
    });
  };
  collect(child.stdout);
  collect(child.stderr);
  let exited = null;
  const exitP = new Promise((r) => child.on('exit', (code, signal) => { exited = { code, signal }; r(exited); }));
  const stopChild = async () => {
    if (exited) return exited;
    child.kill('SIGTERM');
    const r = await Promise.race([exitP, sleep(15_000).then(() => null)]);
    if (r) return r;
    child.kill('SIGKILL');
    return exitP;
  };
  cleanups.push(stopChild);
  const kill = () => child.kill('SIGKILL');
  interrupts.add(kill);
  cleanups.push(() => interrupts.delete(kill));

  const agent = new http.Agent({ keepAlive: true, maxSockets: CONC, maxFreeSockets: CONC });
  cleanups.push(() => agent.destroy());
  const drop = () => agent.destroy();
  interrupts.add(drop);
  cleanups.push(() => interrupts.delete(drop));

  // Wait for /ready (store reachable, migrations applied).
  const t0 = Date.now();
  for (;;) {
    if (aborting) throw new Error(aborting.reason);
    if (exited) throw new Error(`server exited during startup (${JSON.stringify(exited)}):\n${serverLines.join('\n')}`);
    if (Date.now() - t0 > 60_000) throw new Error('server not ready after 60 s');
    try {
      const r = await request(agent, port, 'GET', '/ready');
      if (r.status === 200) break;
    } catch { /* not listening yet */ }
    await sleep(50);
  }
  log(`[${store}] server pid ${child.pid} ready on 127.0.0.1:${port} after ${Date.now() - t0} ms`);

  const PATH = '/api/v1/emails/send-batch';
  const prebuilt = new Map();
  const errors = [];
  const rejectedSamples = [];
  let rejected = 0;
  let duplicates = 0;
  let queued = 0;

  const sendBatch = async (from, count, lat) => {
    const body = prebuilt.get(from) ?? batchBody(from, count);
    prebuilt.delete(from);
    const s = process.hrtime.bigint();
    const r = await request(agent, port, 'POST', PATH, body, key);
    const ms = Number(process.hrtime.bigint() - s) / 1e6;
    if (lat) {
      lat.push(ms);
      slow.push({ request: slow.length, startS: round(Number(s - w0) / 1e9, 2), ms: round(ms, 1) });
    }
    if (r.status !== 202) throw new Error(`HTTP ${r.status} for messages ${from}..${from + count - 1}: ${r.text.slice(0, 300)}`);
    const j = JSON.parse(r.text);
    queued += j.queued.length;
    for (const q of j.queued) if (q.duplicate) duplicates++;
    rejected += j.rejected.length;
    for (const x of j.rejected) if (rejectedSamples.length < 5) rejectedSamples.push({ ...x, index: from + x.index });
    return body.length;
  };

  if (CONTENT === 'template') {
    const t = Buffer.from(JSON.stringify({ id: TEMPLATE_ID, name: 'Order confirmation', subject: SUBJECT, html: HTML }));
    const r = await request(agent, port, 'POST', '/api/v1/templates', t, key);
    if (r.status !== 201) throw new Error(`creating the template: HTTP ${r.status}: ${r.text.slice(0, 300)}`);
  }

  // Optional warm-up (not timed): lets V8 optimise the accept path before the measurement.
  for (let w = 0; w < WARMUP; w += BATCH) await sendBatch(N + w, Math.min(BATCH, WARMUP - w), null);
  queued = 0;

  // Request bodies are built before the timed phase (up to PREBUILD_BYTES in all), so the client's own JSON
  // building does not take CPU from the server on the same cores; beyond that they are built as they are sent.
  let prebuiltBytes = 0;
  for (let from = 0; from < N; from += BATCH) {
    const body = batchBody(from, Math.min(BATCH, N - from));
    if (prebuiltBytes + body.length > PREBUILD_BYTES) break;
    prebuilt.set(from, body);
    prebuiltBytes += body.length;
  }

  const prebuiltCount = prebuilt.size;
  // The timed phase.
  const lat = [];
  const slow = [];
  let w0 = 0n;
  let next = 0;
  let bytesSent = 0;
  const cpu0 = cpuSeconds(child.pid);
  const pg0 = store === 'postgres' ? postgresCpu() : null;
  const m0 = machineCpu();
  const ccpu0 = process.cpuUsage();
  w0 = process.hrtime.bigint();
  const worker = async () => {
    while (next < N && errors.length === 0 && !aborting) {
      const from = next;
      const count = Math.min(BATCH, N - from);
      next += count;
      try {
        const sent = await sendBatch(from, count, lat);
        bytesSent += sent;
      } catch (err) {
        errors.push(err.message);
      }
    }
  };
  await Promise.all(Array.from({ length: CONC }, worker));
  if (aborting) throw new Error(`${aborting.reason}; ${queued} of ${N} messages accepted`);
  const wallS = Number(process.hrtime.bigint() - w0) / 1e9;
  const serverCpuS = cpuSeconds(child.pid) - cpu0;
  const pgCpuS = pg0 ? pgCpuDelta(pg0, postgresCpu()) : null;
  const m1 = machineCpu();
  const cc = process.cpuUsage(ccpu0);
  const clientCpuS = (cc.user + cc.system) / 1e6;
  const mem = memory(child.pid);

  const exit = await stopChild();
  agent.destroy();
  const counted = store === 'sqlite' ? await countSqlite(join(dataDir, 'postflow.db')) : await pgdb.count();
  const expectedRows = N + WARMUP;
  lat.sort((a, b) => a - b);
  const problems = [];
  if (errors.length) problems.push(`${errors.length} failed request(s): ${errors[0]}`);
  if (queued !== N) problems.push(`queued ${queued} of ${N}`);
  if (rejected) problems.push(`${rejected} item(s) rejected, e.g. ${JSON.stringify(rejectedSamples[0])}`);
  if (duplicates) problems.push(`${duplicates} item(s) answered as duplicates`);
  if (counted.rows !== expectedRows) problems.push(`store holds ${counted.rows} messages, expected ${expectedRows}`);
  if (counted.distinctRecipients !== expectedRows) problems.push(`store holds ${counted.distinctRecipients} distinct recipients, expected ${expectedRows}`);
  if (exit.code !== 0) problems.push(`server exit ${JSON.stringify(exit)} on SIGTERM`);
  const serverWarnings = serverLines.filter((l) => {
    try {
      return JSON.parse(l).level >= 40;
    } catch {
      return true; // not pino JSON: show it
    }
  });
  return {
    store, content: CONTENT, messages: N, batch: BATCH, concurrency: CONC, warmup: WARMUP, requests: lat.length,
    wallS: round(wallS, 3), messagesPerS: Math.round(queued / wallS), requestsPerS: round(lat.length / wallS, 1),
    p50Ms: round(pct(lat, 50), 1), p99Ms: round(pct(lat, 99), 1), maxMs: round(lat[lat.length - 1], 1),
    slowest: slow.sort((a, b) => b.ms - a.ms).slice(0, 3),
    requestMiB: round(bytesSent / lat.length / 1048576, 2), prebuiltRequests: prebuiltCount, serverCpuS: round(serverCpuS, 2),
    serverCpuPerMessageUs: round((serverCpuS / N) * 1e6, 2), clientCpuS: round(clientCpuS, 2), postgresCpuS: round(pgCpuS, 2),
    machineBusyCores: round((m1.busy - m0.busy) / wallS, 2), machineIowaitCores: round((m1.iowait - m0.iowait) / wallS, 2),
    otherBusyCores: round((m1.busy - m0.busy - serverCpuS - clientCpuS - (pgCpuS ?? 0)) / wallS, 2),
    serverPeakRssMiB: round(mem.peakRssMiB, 1), serverRssEndMiB: round(mem.rssMiB, 1),
    rowsCounted: counted.rows, distinctRecipients: counted.distinctRecipients, storeMiB: round(counted.storeMiB, 1),
    rejected, duplicates, serverExit: exit, serverWarnings: serverWarnings.slice(0, 10), serverOutputBytes: serverBytes,
    ok: problems.length === 0, problems,
  };
}

// ------------------------------------------------------------------------------ same-session anchors

/** rows/s of `rows` (arrays of values) inserted by one prepared INSERT in transactions of `per` rows. */
function insertRate(db, table, cols, rows, per) {
  const ins = db.prepare(`INSERT INTO ${table} (${cols.join(',')}) VALUES (${cols.map(() => '?').join(',')})`);
  const tx = db.transaction((rs) => { for (const r of rs) ins.run(r); });
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < rows.length; i += per) tx(rows.slice(i, i + per));
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const c = process.cpuUsage(c0);
  return { rowsPerS: Math.round(rows.length / s), cpuUsPerRow: round((c.user + c.system) / rows.length, 2) };
}

async function anchors() {
  const out = {};
  const dir = mkdtempSync(join(os.tmpdir(), 'pf-bench-anchor-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const { default: Database } = await import('better-sqlite3');
  const open = (name) => {
    const db = new Database(join(dir, name));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    return db;
  };

  // 1. better-sqlite3 batched inserts of narrow queue rows (the kind of row BENCH.md's ~300,000 rows/s is about).
  {
    const db = open('narrow.db');
    db.exec('CREATE TABLE jobs (id INTEGER PRIMARY KEY, queue TEXT NOT NULL, payload TEXT NOT NULL, due_at INTEGER NOT NULL, state INTEGER NOT NULL)');
    const now = Date.now();
    const rows = Array.from({ length: 200_000 }, (_, i) => [i + 1, 'mail', `{"message_id":"m${i}","attempt":0}`, now + (i % 1000), 0]);
    out.sqliteNarrow500 = insertRate(db, 'jobs', ['id', 'queue', 'payload', 'due_at', 'state'], rows, 500);
    db.close();
  }
  // 2. The same method on Postflow's own messages table (its migrations and indexes, rows as the store builds them)
  //    for this bench's messages: the floor for an INSERT path without Kysely, per content mode.
  {
    const { migrationsFor } = await import(pathToFileURL(join(ROOT, 'dist', 'adapters', 'store', 'migrations.js')).href);
    const { messageToRow } = await import(pathToFileURL(join(ROOT, 'dist', 'adapters', 'store', 'rows.js')).href);
    const { monotonicFactory } = await import('ulid');
    for (const content of ['inline', 'template']) {
      const db = open(`messages-${content}.db`);
      for (const m of migrationsFor('sqlite')) for (const st of m.statements) db.exec(st);
      const nextId = monotonicFactory();
      const now = Date.now();
      const msgs = Array.from({ length: 50_000 }, (_, i) => {
        const f = messageFields(i);
        return messageToRow({
          id: nextId(now), toAddress: f.addr, toName: f.name, toDomain: f.domain, fromAddress: 'postflow@postflow.local', fromName: 'Postflow',
          replyTo: null, templateId: content === 'inline' ? null : TEMPLATE_ID, templateVersion: content === 'inline' ? null : 1,
          subject: content === 'inline' ? SUBJECT : null, html: content === 'inline' ? HTML : null, text: null, variables: f.variables,
          headers: {}, tags: [], priority: 2, dueAt: now, idempotencyKey: null, apiKeyId: 'bench', maxAttempts: 4, createdAt: now,
        });
      });
      const cols = Object.keys(msgs[0]);
      out[`sqliteMessages500_${content}`] = insertRate(db, 'messages', cols, msgs.map((r) => cols.map((c) => r[c])), 500);
      db.close();
    }
  }
  // 3. A bare Fastify + TypeBox JSON POST server (one process), the client here on the same cores.
  {
    const script = `import Fastify from 'fastify';
import { Type } from '@sinclair/typebox';
const app = Fastify({ logger: false });
const Body = Type.Object({ to: Type.String({ minLength: 3 }), subject: Type.String(), text: Type.String(), variables: Type.Record(Type.String(), Type.Unknown()) }, { additionalProperties: false });
app.post('/send', { schema: { body: Body } }, async (req, reply) => reply.status(202).send({ id: 'x' + Date.now(), to: req.body.to }));
await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(app.server.address().port + '\\n');`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    const exitP = new Promise((r) => child.on('exit', r));
    cleanups.push(async () => { child.kill('SIGTERM'); await Promise.race([exitP, sleep(5000)]); child.kill('SIGKILL'); });
    const kill = () => child.kill('SIGKILL');
    interrupts.add(kill);
    const port = await new Promise((resolve, reject) => {
      child.stdout.once('data', (d) => resolve(Number(String(d).trim())));
      child.once('exit', () => reject(new Error('the Fastify anchor server exited')));
    });
    // A lean keep-alive client on raw sockets (one request in flight per connection, pre-built bytes), so the
    // client costs little of the two cores; the same for every run.
    const conc = 16;
    const total = 100_000;
    const body = JSON.stringify({ to: 'ada@example.com', subject: 'Hello', text: 'Hello Ada, your order 100042 is confirmed.', variables: { first_name: 'Ada', order_id: '100042' } });
    const reqBytes = Buffer.from(`POST /send HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    const blast = (count) => new Promise((resolve, reject) => {
      let sent = 0;
      let done = 0;
      let bad = 0;
      const sockets = [];
      const finish = () => { for (const so of sockets) so.destroy(); resolve(bad); };
      for (let k = 0; k < conc; k++) {
        const so = net.connect(port, '127.0.0.1');
        sockets.push(so);
        let buf = Buffer.alloc(0);
        so.on('error', reject);
        so.on('connect', () => { if (sent < count) { sent++; so.write(reqBytes); } });
        so.on('data', (d) => {
          buf = buf.length ? Buffer.concat([buf, d]) : d;
          for (;;) {
            const end = buf.indexOf('\r\n\r\n');
            if (end < 0) return;
            const head = buf.toString('latin1', 0, end);
            const len = Number(/content-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
            if (buf.length < end + 4 + len) return;
            if (!head.startsWith('HTTP/1.1 202')) bad++;
            buf = buf.subarray(end + 4 + len);
            done++;
            if (done === count || aborting) return finish();
            if (sent < count) { sent++; so.write(reqBytes); }
          }
        });
      }
    });
    await blast(20_000); // warm-up
    const cpu0 = cpuSeconds(child.pid);
    const cc0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const bad = await blast(total);
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    const cc = process.cpuUsage(cc0);
    out.fastifyTypeboxPost = {
      requestsPerS: Math.round(total / s), serverCpuS: round(cpuSeconds(child.pid) - cpu0, 2), clientCpuS: round((cc.user + cc.system) / 1e6, 2),
      concurrency: conc, bodyBytes: Buffer.byteLength(body), failed: bad,
    };
    interrupts.delete(kill);
  }
  return out;
}

const round = (x, d) => (Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : null);

// ------------------------------------------------------------------------------------------------ main

const results = [];
let anchorResults = null;
let failed = false;
try {
  if (opt.anchors) {
    log('[anchors] better-sqlite3 batched inserts and a bare Fastify + TypeBox JSON POST, in this session');
    try {
      anchorResults = await anchors();
    } finally {
      await runCleanups();
    }
    const a = anchorResults;
    log(`[anchors] better-sqlite3, 500-row transactions, narrow queue rows: ${a.sqliteNarrow500.rowsPerS.toLocaleString('en-US')} rows/s (${a.sqliteNarrow500.cpuUsPerRow} µs CPU/row)`);
    log(`[anchors] better-sqlite3, 500-row transactions, Postflow message rows, inline content: ${a.sqliteMessages500_inline.rowsPerS.toLocaleString('en-US')} rows/s (${a.sqliteMessages500_inline.cpuUsPerRow} µs CPU/row)`);
    log(`[anchors] better-sqlite3, 500-row transactions, Postflow message rows, template_id: ${a.sqliteMessages500_template.rowsPerS.toLocaleString('en-US')} rows/s (${a.sqliteMessages500_template.cpuUsPerRow} µs CPU/row)`);
    log(`[anchors] Fastify + TypeBox JSON POST (${a.fastifyTypeboxPost.bodyBytes} B body, ${a.fastifyTypeboxPost.concurrency} connections): ` +
      `${a.fastifyTypeboxPost.requestsPerS.toLocaleString('en-US')} requests/s (server CPU ${a.fastifyTypeboxPost.serverCpuS} s, client ${a.fastifyTypeboxPost.clientCpuS} s)${a.fastifyTypeboxPost.failed ? `, ${a.fastifyTypeboxPost.failed} FAILED` : ''}`);
  }
  for (const store of STORES) {
    if (aborting) break;
    log(`[${store}] ${N} messages (${CONTENT} content), ${BATCH} per request, ${CONC} connections${WARMUP ? `, ${WARMUP} warm-up` : ''}`);
    let r;
    try {
      r = await runOne(store);
    } finally {
      // Stop this store's server and remove its data before the next store starts.
      await runCleanups();
    }
    results.push(r);
    if (!r.ok) failed = true;
    log(`[${store}] ${r.messagesPerS.toLocaleString('en-US')} messages/s accepted: ${N} in ${r.wallS} s, ${r.requests} requests ` +
      `(${r.requestMiB} MiB each), latency p50 ${r.p50Ms} ms p99 ${r.p99Ms} ms max ${r.maxMs} ms`);
    log(`[${store}] server CPU ${r.serverCpuS} s (${r.serverCpuPerMessageUs} µs/message, ${round(r.serverCpuS / r.wallS, 2)} cores), ` +
      `peak RSS ${r.serverPeakRssMiB} MiB (end ${r.serverRssEndMiB} MiB); client CPU ${r.clientCpuS} s (${r.prebuiltRequests} of ${r.requests} bodies built before timing)` +
      `${r.postgresCpuS !== null ? `; postgres processes CPU ${r.postgresCpuS} s` : ''}`);
    log(`[${store}] machine: ${r.machineBusyCores} cores busy (${r.otherBusyCores} by other processes), ${r.machineIowaitCores} cores in iowait`);
    log(`[${store}] store: ${r.rowsCounted} rows, ${r.distinctRecipients} distinct recipients, ${r.storeMiB} MiB; ` +
      `rejected ${r.rejected}, duplicates ${r.duplicates}; ${r.ok ? 'verified' : `PROBLEMS: ${r.problems.join('; ')}`}`);
    for (const w of r.serverWarnings) log(`[${store}] server: ${w}`);
  }
} catch (err) {
  failed = true;
  process.stderr.write(`bench/accept: ${err.stack ?? err.message}\n`);
} finally {
  await runCleanups();
  clearTimeout(deadline);
}
if (opt.json) {
  process.stdout.write(`${JSON.stringify({
    bench: 'accept', date: new Date().toISOString(), node: process.version, nproc: os.availableParallelism(), kernel: os.release(),
    totalMemGiB: round(os.totalmem() / 2 ** 30, 1), anchors: anchorResults, results,
  })}\n`);
}
process.exit(aborting ? aborting.code : failed ? 1 : 0);
