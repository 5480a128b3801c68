#!/usr/bin/env node
// bench/campaign-materialise: how long materialising a campaign of N recipients takes, and the peak RSS of the
// process doing it, through the production code path (CampaignRunner → ContactStore.pageContacts → message
// builder with HMAC unsubscribe tokens → CampaignStore.materialise, one transaction per 500-contact batch).
//
//   node bench/campaign-materialise.mjs [--contacts N] [--store sqlite|postgres] [--pg-url URL] [--timeout S] [--json]
//
// Needs a build (`npm run build`). Phase 1 (a child process) seeds N subscribed contacts with a tag into a fresh
// store (SQLite in a temp dir, or a temporary PostgreSQL database dropped afterwards). Phase 2 (another child
// process, so its peak RSS is its own) starts a campaign on that tag and runs the runner's passes with an
// unbounded lookahead and a rate of 1/hour (so nearly nothing is released) until the audience is read to its end.
// Reported: seconds and recipients/s of phase 2, its peak RSS (VmHWM) and CPU seconds, and a check counted in the
// database: exactly N campaign messages, N distinct idempotency keys, N recipient rows. Bounded by --timeout.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const dist = (p) => pathToFileURL(join(ROOT, 'dist', p)).href;
const { values: opt } = parseArgs({
  options: {
    contacts: { type: 'string', default: '1000000' },
    store: { type: 'string', default: 'sqlite' },
    'pg-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
    timeout: { type: 'string', default: '900' },
    json: { type: 'boolean', default: false },
    phase: { type: 'string' },
    url: { type: 'string' },
  },
});
const N = Number(opt.contacts);

async function openStore(url) {
  const { openStore: open } = await import(dist('adapters/store/open-store.js'));
  const store = open(url, os.tmpdir(), 4);
  await store.migrate();
  return store;
}

/** Phase 1: N subscribed contacts tagged "bench", in 500-row transactions. */
async function seed(url) {
  const store = await openStore(url);
  const { monotonicFactory } = await import('ulid');
  const nextId = monotonicFactory();
  const ctx = store.sqlContext();
  const now = Date.now();
  for (let from = 0; from < N; from += 500) {
    const rows = [];
    const tags = [];
    for (let i = from; i < Math.min(N, from + 500); i++) {
      const id = nextId(now);
      rows.push({ id, email: `r${i}@bench.example`, external_id: null, first_name: `R${i}`, last_name: null, company: null, attributes: `{"n":${i}}`, status: 'subscribed', engagement_milli: 0, last_engagement: null, created_at: now, updated_at: now });
      tags.push({ tag: 'bench', contact_id: id });
    }
    await ctx.writeTx(async (trx) => {
      await trx.insertInto('contacts').values(rows).execute();
      await trx.insertInto('contact_tags').values(tags).execute();
    });
  }
  await store.close();
}

function procStat() {
  const [utime, stime] = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ').slice(11, 13).map(Number);
  const hwm = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))[1]);
  return { cpuSeconds: (utime + stime) / 100, peakRssMb: Math.round(hwm / 1024) };
}

/** Phase 2: start a campaign on the tag and run the runner's passes until the audience is done. */
async function materialise(url) {
  const store = await openStore(url);
  const { createCampaignParts } = await import(dist('main/campaign-runtime.js'));
  const { TemplateCatalog } = await import(dist('services/template-catalog.js'));
  const { TemplateEngine } = await import(dist('compose/template-engine.js'));
  const { loadConfig } = await import(dist('config/config.js'));
  const { silentLogger } = await import(dist('ports/logger.js'));
  const { CampaignRunner } = await import(dist('engine/campaign-runner.js'));
  const { SqlContactStore } = await import(dist('adapters/store/sql-contact-store.js'));
  const clock = { now: () => Date.now() };
  const config = loadConfig({ POSTFLOW_DATA_DIR: os.tmpdir(), POSTFLOW_LOG_LEVEL: 'silent' });
  await store.createTemplate({ id: 'bench', name: 'Bench', category: null, active: true, subject: 'Hi {{ first_name }}', html: '<p>Hi {{ first_name }}</p>', text: null, variables: [], createdAt: Date.now() });
  const catalog = new TemplateCatalog(store, new TemplateEngine(), clock);
  const parts = createCampaignParts({ sql: store.sqlContext(), secret: 'bench-secret-0123456789-0123456789', config, clock, log: silentLogger, catalog, wakeDelivery: () => undefined });
  const c = await parts.campaigns.create({ name: 'Bench', template_id: 'bench', audience: { tags: ['bench'] }, rate_limit_per_hour: 1, concurrency: 1 });
  await parts.campaigns.start(c.id);
  // The production runner, with an unbounded lookahead: every recipient is materialised (held).
  const runner = new CampaignRunner(
    { campaigns: parts.store, contacts: new SqlContactStore(store.sqlContext()), builder: parts.builder, clock, log: silentLogger },
    { tickMs: 0, idleMs: 0, leaseMs: 60_000, batchSize: 500, maxCampaigns: 1, lookahead: () => Number.MAX_SAFE_INTEGER },
  );
  const before = procStat();
  const t0 = process.hrtime.bigint();
  for (;;) {
    await runner.tick();
    if ((await parts.store.getCampaign(c.id)).progress.audienceDone) break;
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const after = procStat();
  const db = store.sqlContext().db;
  const { sql } = await import('kysely');
  const [m] = (await sql`SELECT COUNT(*) AS n, COUNT(DISTINCT idempotency_key) AS keys FROM messages WHERE campaign_id = ${c.id}`.execute(db)).rows;
  const [r] = (await sql`SELECT COUNT(*) AS n FROM campaign_recipients WHERE campaign_id = ${c.id}`.execute(db)).rows;
  const progress = (await parts.store.getCampaign(c.id)).progress;
  await store.close();
  return {
    recipients: N, seconds: Math.round(seconds * 10) / 10, perSecond: Math.round(N / seconds), peakRssMb: after.peakRssMb,
    cpuSeconds: Math.round((after.cpuSeconds - before.cpuSeconds) * 10) / 10,
    check: { messages: Number(m.n), distinctKeys: Number(m.keys), recipientRows: Number(r.n), materialised: progress.materialised, ok: Number(m.n) === N && Number(m.keys) === N && Number(r.n) === N },
  };
}

function child(phase, url) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [fileURLToPath(import.meta.url), '--phase', phase, '--url', url, '--contacts', String(N)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    const timer = setTimeout(() => p.kill('SIGKILL'), Number(opt.timeout) * 1000);
    p.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out.trim() ? JSON.parse(out) : null);
      else reject(new Error(`${phase} exited with ${code}`));
    });
  });
}

if (opt.phase === 'seed') {
  await seed(opt.url);
  process.stdout.write('null');
} else if (opt.phase === 'materialise') {
  process.stdout.write(JSON.stringify(await materialise(opt.url)));
} else {
  let url;
  let cleanup;
  if (opt.store === 'postgres') {
    const pg = (await import('pg')).default;
    const name = `pf_bench_${process.pid}`;
    const admin = new pg.Client({ connectionString: opt['pg-url'] });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const u = new URL(opt['pg-url']);
    u.pathname = `/${name}`;
    url = u.toString();
    cleanup = async () => {
      const c = new pg.Client({ connectionString: opt['pg-url'] });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    };
  } else {
    const dir = mkdtempSync(join(os.tmpdir(), 'pf-bench-campaign-'));
    url = `sqlite:${join(dir, 'bench.db')}`;
    cleanup = async () => rmSync(dir, { recursive: true, force: true });
  }
  try {
    const s0 = Date.now();
    await child('seed', url);
    const seedSeconds = (Date.now() - s0) / 1000;
    const r = await child('materialise', url);
    const load = os.loadavg().map((x) => x.toFixed(2)).join(' ');
    if (opt.json) process.stdout.write(`${JSON.stringify({ store: opt.store, seedSeconds, ...r, load })}\n`);
    else {
      process.stdout.write(`campaign materialise (${opt.store}): ${r.recipients.toLocaleString('en')} recipients in ${r.seconds} s (${r.perSecond.toLocaleString('en')}/s), ` +
        `peak RSS ${r.peakRssMb} MB, ${r.cpuSeconds} CPU s; check ${r.check.ok ? 'ok' : 'FAILED'} (${JSON.stringify(r.check)}); seeding took ${seedSeconds.toFixed(1)} s; load ${load}\n`);
    }
    if (!r.check.ok) process.exitCode = 1;
  } finally {
    await cleanup();
  }
}
