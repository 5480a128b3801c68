#!/usr/bin/env node
// bench/accept: messages accepted per second through POST /api/v1/emails/send-batch, over real HTTP on
// 127.0.0.1, against `node bin/postflow.js api` (API only, no delivery workers) on SQLite and/or PostgreSQL.
//
//   node bench/accept.mjs [--store sqlite|postgres|both] [--messages N] [--batch B] [--concurrency C]
//                         [--warmup W] [--timeout S] [--json] [--cpu-prof DIR] [--pg-url URL] [--log-level L]
//
// Needs a build (`npm run build`; `npm run bench:accept` does both). Each store gets a fresh server process on a
// fresh temporary store (a temp data dir; for PostgreSQL a temporary database created on --pg-url and dropped
// afterwards). Timed: N personalised messages in requests of B (default 1,000) over C keep-alive connections.
// Reported: wall time, messages/s, p50/p99 request latency, the server's CPU seconds (utime+stime from
// /proc/<pid>/stat over the timed phase) and peak RSS (VmHWM), and a check that the store holds exactly
// W + N rows with distinct recipients, counted in the database itself. Bounded: everything stops after --timeout
// seconds (default 300).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const BIN = join(ROOT, 'bin', 'postflow.js');
const CLK_TCK = 100; // Linux USER_HZ: /proc/<pid>/stat counts in 1/100 s

// ---------------------------------------------------------------------------------------------- options

const { values: opt } = parseArgs({
  options: {
    store: { type: 'string', default: 'both' },
    messages: { type: 'string', default: '200000' },
    batch: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '4' },
    warmup: { type: 'string', default: '0' },
    timeout: { type: 'string', default: '300' },
    json: { type: 'boolean', default: false },
    'cpu-prof': { type: 'string' },
    'pg-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
    'log-level': { type: 'string', default: 'warn' },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});
if (opt.help) {
  process.stdout.write(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1, 15).map((l) => l.replace(/^\/\/ ?/, '')).join('\n') + '\n');
  process.exit(0);
}
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
if (!['sqlite', 'postgres', 'both'].includes(opt.store)) die(`--store: expected sqlite, postgres or both, got "${opt.store}"`);
const STORES = opt.store === 'both' ? ['sqlite', 'postgres'] : [opt.store];
const PG_URL = opt['pg-url'];
if (STORES.includes('postgres')) {
  const h = new URL(PG_URL).hostname;
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(h)) die(`--pg-url: only a loopback PostgreSQL is allowed, got host "${h}"`);
}
const log = (s) => { if (!opt.json) process.stderr.write(`${s}\n`); };

// ----------------------------------------------------------------------------------- hard time limit

const cleanups = []; // run in reverse order on a normal end and on abort
let aborting = false;
async function runCleanups() {
  while (cleanups.length) {
    const fn = cleanups.pop();
    try {
      await fn();
    } catch (err) {
      process.stderr.write(`bench/accept: cleanup failed: ${err.message}\n`);
    }
  }
}
const deadline = setTimeout(async () => {
  aborting = true;
  process.stderr.write(`bench/accept: aborted after ${TIMEOUT_S} s (--timeout)\n`);
  const force = setTimeout(() => process.exit(3), 20_000);
  force.unref();
  await runCleanups();
  process.exit(3);
}, TIMEOUT_S * 1000);
deadline.unref();
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, async () => {
    aborting = true;
    await runCleanups();
    process.exit(130);
  });
}

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
const RUN = randomBytes(3).toString('hex'); // recipients are distinct within and across runs

const SUBJECT_JSON = JSON.stringify(SUBJECT);
const HTML_JSON = JSON.stringify(HTML);

/** The JSON of message number `i`: a distinct recipient, the shared inline template, its own variables. */
function messageJson(i) {
  const f = FIRST[i % FIRST.length];
  const l = LAST[(i >>> 4) % LAST.length];
  const addr = `${f.toLowerCase()}.${l.toLowerCase()}.${RUN}.${i}@${DOMAINS[i % DOMAINS.length]}`;
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
  return `{"to":${JSON.stringify(to)},"subject":${SUBJECT_JSON},"html":${HTML_JSON},"variables":${JSON.stringify(variables)}}`;
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
  const nodeArgs = opt['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', opt['cpu-prof']] : [];
  // cwd is the temp dir, so no postflow.config.json of the checkout is picked up.
  const child = spawn(process.execPath, [...nodeArgs, BIN, 'api'], { cwd: dataDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
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

  const agent = new http.Agent({ keepAlive: true, maxSockets: CONC, maxFreeSockets: CONC });
  cleanups.push(() => agent.destroy());

  // Wait for /ready (store reachable, migrations applied).
  const t0 = Date.now();
  for (;;) {
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
  const errors = [];
  const rejectedSamples = [];
  let rejected = 0;
  let duplicates = 0;
  let queued = 0;

  const sendBatch = async (from, count, lat) => {
    const body = batchBody(from, count);
    const s = process.hrtime.bigint();
    const r = await request(agent, port, 'POST', PATH, body, key);
    const ms = Number(process.hrtime.bigint() - s) / 1e6;
    if (lat) lat.push(ms);
    if (r.status !== 202) throw new Error(`HTTP ${r.status} for messages ${from}..${from + count - 1}: ${r.text.slice(0, 300)}`);
    const j = JSON.parse(r.text);
    queued += j.queued.length;
    for (const q of j.queued) if (q.duplicate) duplicates++;
    rejected += j.rejected.length;
    for (const x of j.rejected) if (rejectedSamples.length < 5) rejectedSamples.push({ ...x, index: from + x.index });
    return body.length;
  };

  // Optional warm-up (not timed): lets V8 optimise the accept path before the measurement.
  for (let w = 0; w < WARMUP; w += BATCH) await sendBatch(N + w, Math.min(BATCH, WARMUP - w), null);
  queued = 0;

  // The timed phase.
  const lat = [];
  let next = 0;
  let bytesSent = 0;
  const cpu0 = cpuSeconds(child.pid);
  const ccpu0 = process.cpuUsage();
  const w0 = process.hrtime.bigint();
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
  const wallS = Number(process.hrtime.bigint() - w0) / 1e9;
  const serverCpuS = cpuSeconds(child.pid) - cpu0;
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
    store, messages: N, batch: BATCH, concurrency: CONC, warmup: WARMUP, requests: lat.length,
    wallS: round(wallS, 3), messagesPerS: Math.round(queued / wallS), requestsPerS: round(lat.length / wallS, 1),
    p50Ms: round(pct(lat, 50), 1), p99Ms: round(pct(lat, 99), 1), maxMs: round(lat[lat.length - 1], 1),
    requestMiB: round(bytesSent / lat.length / 1048576, 2), serverCpuS: round(serverCpuS, 2),
    serverCpuPerMessageUs: round((serverCpuS / N) * 1e6, 2), clientCpuS: round(clientCpuS, 2),
    serverPeakRssMiB: round(mem.peakRssMiB, 1), serverRssEndMiB: round(mem.rssMiB, 1),
    rowsCounted: counted.rows, distinctRecipients: counted.distinctRecipients, storeMiB: round(counted.storeMiB, 1),
    rejected, duplicates, serverExit: exit, serverWarnings: serverWarnings.slice(0, 10), serverOutputBytes: serverBytes,
    ok: problems.length === 0, problems,
  };
}

const round = (x, d) => (Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : null);

// ------------------------------------------------------------------------------------------------ main

const results = [];
let failed = false;
try {
  for (const store of STORES) {
    log(`[${store}] ${N} messages, ${BATCH} per request, ${CONC} connections${WARMUP ? `, ${WARMUP} warm-up` : ''}`);
    const mark = cleanups.length;
    let r;
    try {
      r = await runOne(store);
    } finally {
      // Stop this store's server and remove its data before the next store starts.
      while (cleanups.length > mark) {
        const fn = cleanups.pop();
        try {
          await fn();
        } catch (err) {
          process.stderr.write(`bench/accept: cleanup failed: ${err.message}\n`);
        }
      }
    }
    results.push(r);
    if (!r.ok) failed = true;
    log(`[${store}] ${r.messagesPerS.toLocaleString('en-US')} messages/s accepted: ${N} in ${r.wallS} s, ${r.requests} requests ` +
      `(${r.requestMiB} MiB each), latency p50 ${r.p50Ms} ms p99 ${r.p99Ms} ms max ${r.maxMs} ms`);
    log(`[${store}] server CPU ${r.serverCpuS} s (${r.serverCpuPerMessageUs} µs/message, ${round(r.serverCpuS / r.wallS, 2)} cores), ` +
      `peak RSS ${r.serverPeakRssMiB} MiB (end ${r.serverRssEndMiB} MiB); client CPU ${r.clientCpuS} s`);
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
    totalMemGiB: round(os.totalmem() / 2 ** 30, 1), results,
  })}\n`);
}
process.exit(failed ? 1 : 0);
