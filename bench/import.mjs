#!/usr/bin/env node
// bench/import: `postflow import` of a generated CSV (default 1,000,000 rows) into a fresh SQLite data dir, as a
// user runs it: rows/s (wall clock of the whole command; and in-process: header check + validation pass + import
// pass, as the command reports it, without process start and migrations), peak RSS of the process
// (/usr/bin/time -v, or VmHWM polled from /proc), and a row count read back from the database.
//   npm run build && node bench/import.mjs [--rows N] [--runs R] [--json]
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem, release } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';

const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
};
const ROWS = Number(arg('rows', 1_000_000));
const RUNS = Number(arg('runs', 1));
const JSON_OUT = process.argv.includes('--json');
const TIMEOUT_S = Number(arg('timeout', 1800));
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin', 'postflow.js');
if (!existsSync(join(ROOT, 'dist', 'main', 'cli.js'))) {
  process.stderr.write('bench/import: run `npm run build` first\n');
  process.exit(1);
}

const work = mkdtempSync(join(tmpdir(), 'pf-bench-import-'));
const cleanup = () => rmSync(work, { recursive: true, force: true });
process.on('exit', cleanup);
const guard = setTimeout(() => {
  process.stderr.write(`bench/import: stopped after ${TIMEOUT_S} s\n`);
  process.exit(2);
}, TIMEOUT_S * 1000);
guard.unref();

/** Write the CSV: realistic widths, a quoted company with a comma, two tags, a numeric attribute. */
async function generate(file, rows) {
  const out = createWriteStream(file);
  const write = (s) => (out.write(s) ? Promise.resolve() : new Promise((r) => out.once('drain', r)));
  await write('email,first_name,last_name,company,tags,plan,seats\n');
  const domains = ['gmail.com', 'yahoo.com', 'outlook.com', 'example.org', 'corp.example'];
  const plans = ['free', 'pro', 'team'];
  let chunk = '';
  for (let i = 0; i < rows; i++) {
    // Addresses in scrambled order, as real lists are (not sorted by the unique index).
    const n = (i * 7919 + 13) % rows;
    chunk += `user${n}@${domains[i % 5]},First${i},Last${i},"Company ${i % 997}, Inc.",${i % 3 ? 'newsletter;beta' : 'newsletter'},${plans[i % 3]},${i % 250}\n`;
    if (chunk.length > 1 << 16) {
      await write(chunk);
      chunk = '';
    }
  }
  await write(chunk);
  await new Promise((r) => out.end(r));
}

/** Run a command; resolve with its exit code, output and peak RSS (KiB). */
function run(cmd, args, env) {
  return new Promise((resolve) => {
    const timeV = existsSync('/usr/bin/time');
    const child = timeV ? spawn('/usr/bin/time', ['-v', cmd, ...args], { env }) : spawn(cmd, args, { env });
    let out = '';
    let err = '';
    let hwm = 0;
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const poll = timeV ? null : setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) hwm = Math.max(hwm, Number(m[1]));
      } catch { /* exited */ }
    }, 100);
    child.on('exit', (code) => {
      if (poll) clearInterval(poll);
      const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(err);
      resolve({ code, out, err, peakKiB: m ? Number(m[1]) : hwm });
    });
  });
}

const csv = join(work, 'contacts.csv');
let t = performance.now();
await generate(csv, ROWS);
const genS = (performance.now() - t) / 1000;
const size = statSync(csv).size;
const commit = await new Promise((r) => {
  const g = spawn('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT });
  let s = '';
  g.stdout.on('data', (d) => (s += d));
  g.on('exit', () => r(s.trim() || 'unknown'));
});
const machine = `${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, Linux ${release()}`;
const results = [];
for (let r = 0; r < RUNS; r++) {
  const dataDir = join(work, `data-${r}`);
  const load0 = loadavg()[0];
  t = performance.now();
  const res = await run(process.execPath, [BIN, 'import', csv, '--map', 'seats=attributes.seats:number'], { ...process.env, POSTFLOW_DATA_DIR: dataDir, POSTFLOW_LOG_LEVEL: 'silent' });
  const wallS = (performance.now() - t) / 1000;
  const load1 = loadavg()[0];
  const line = res.out.split('\n').find((l) => l.startsWith('{'));
  if (res.code !== 0 || !line) {
    process.stderr.write(`bench/import: the import failed (exit ${res.code}):\n${res.out}\n${res.err.slice(-2000)}\n`);
    process.exit(1);
  }
  const job = JSON.parse(line);
  const db = new Database(join(dataDir, 'postflow.db'), { readonly: true });
  const stored = db.prepare('SELECT COUNT(*) AS n FROM contacts').get().n;
  const tagged = db.prepare("SELECT COUNT(*) AS n FROM contact_tags WHERE tag = 'beta'").get().n;
  db.close();
  if (stored !== ROWS || job.inserted !== ROWS || job.failed !== 0) {
    process.stderr.write(`bench/import: expected ${ROWS} contacts, found ${stored} (job ${line})\n`);
    process.exit(1);
  }
  results.push({
    run: r + 1, rows: ROWS, wallS: Number(wallS.toFixed(2)), importS: job.seconds, rowsPerS: Math.round(ROWS / wallS), rowsPerSImport: Math.round(ROWS / job.seconds),
    peakRssMiB: Math.round(res.peakKiB / 1024), stored, betaTagged: tagged, loadStart: Number(load0.toFixed(2)), loadEnd: Number(load1.toFixed(2)),
  });
  rmSync(dataDir, { recursive: true, force: true });
}

const when = new Date().toISOString().replace(/:\d\d\.\d+Z$/, ' UTC').replace('T', ' ');
process.stdout.write(`bench/import: ${ROWS.toLocaleString('en-US')} rows, ${(size / 2 ** 20).toFixed(1)} MiB CSV (generated in ${genS.toFixed(1)} s)\n`);
process.stdout.write(`machine: ${machine}; ${when}; commit ${commit}\n`);
process.stdout.write(`command: node bin/postflow.js import contacts.csv --map seats=attributes.seats:number (fresh SQLite data dir)\n\n`);
process.stdout.write('| run | wall s | rows/s (wall) | in-process s | rows/s (in-process) | peak RSS MiB | load at start → end |\n|---|---|---|---|---|---|---|\n');
for (const x of results) {
  process.stdout.write(`| ${x.run} | ${x.wallS} | ${x.rowsPerS.toLocaleString('en-US')} | ${x.importS} | ${x.rowsPerSImport.toLocaleString('en-US')} | ${x.peakRssMiB} | ${x.loadStart} → ${x.loadEnd} |\n`);
}
if (JSON_OUT) process.stdout.write(`${JSON.stringify({ rows: ROWS, csvBytes: size, machine, when, commit, results })}\n`);
