#!/usr/bin/env node
// bench/e2e: Postflow end to end against Postfix's own load generator and a plain nodemailer pooled transport, all
// to the same Postfix `smtp-sink` on 127.0.0.1, in one run (see /work/shared/BENCH.md, "How to measure").
//
//   node bench/e2e.mjs [--messages N] [--runs R] [--port P] [--source-messages M] [--timeout S] [--json]
//
// Prints a table (to stderr with --json) and, with --json, one JSON line on stdout.
//
// Needs a build (`npm run build`), Postfix's smtp-sink/smtp-source (apt-get install postfix) and nodemailer (a
// devDependency). Per run, in this order:
//   1. `node bin/postflow.js bench --messages N --sink 127.0.0.1:P --json`            (one `postflow start`)
//   2. the same with `--worker-processes 1`                                          (`postflow api` + 1 worker)
//   3. `smtp-source -s 20 -m M -l 4096 127.0.0.1:P`, timed                            (M default 100,000)
//      and `smtp-source -d -s 20 -m M -l 4096 127.0.0.1:P`: the same with sessions reused (-d), BENCH.md's
//      "20–50 reused sessions" row (~15,000–19,000/s when the anchors were measured), a yardstick of the
//      machine's speed in this run (the issue's command, without -d, opens a connection per message)
//   4. BENCH.md's first row, "the wire + sink limit": a minimal Node client in a child process of its own, 10
//      connections, RFC 2920 pipelining (MAIL, RCPT and DATA in one write, the body after the 354), one pre-built
//      4 KB message, M messages (~26,000/s, 22–26k, when the anchors were measured): the machine's speed for what
//      Postflow does on the wire, and with it the issue's 10,000/s read at the anchors' speed (10,000 ÷ 22,000–26,000
//      = 0.38–0.45 of it)
//   5. nodemailer, `pool: true, maxConnections: 10` (its other defaults, e.g. maxMessages 100 per connection),
//      200 sendMail calls in flight, the same N personalised messages (bench-content.js: liquidjs renders of
//      subject, html and text), in a child process of its own so its CPU seconds (process.cpuUsage) and peak RSS
//      are its own
// The sink (`smtp-sink -4 -u nobody 127.0.0.1:P 1000`) is spawned directly, once, and killed by its PID at the
// end, also on error or timeout. Its CPU seconds are read from /proc per step. With --runs R > 1 the median and
// range of each figure are reported; ratios are taken within each run, then summarised. Everything is bounded by
// --timeout seconds (default 3600) and by counts; only 127.0.0.1 is used.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { cpus, freemem, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const SELF = fileURLToPath(import.meta.url);
const { values: opt } = parseArgs({
  options: {
    messages: { type: 'string', default: '50000' },
    runs: { type: 'string', default: '1' },
    port: { type: 'string', default: '0' },
    'source-messages': { type: 'string', default: '100000' },
    timeout: { type: 'string', default: '3600' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
    // Internal: the nodemailer and wire steps run in child processes started with these flags.
    'nodemailer-child': { type: 'boolean', default: false },
    'wire-child': { type: 'boolean', default: false },
  },
  strict: true,
});
if (opt.help) {
  process.stdout.write((() => { const l = readFileSync(SELF, 'utf8').split('\n'); return l.slice(1, l.findIndex((x) => x.startsWith('import '))); })().map((l) => l.replace(/^\/\/ ?/, '')).join('\n') + '\n');
  process.exit(0);
}
function die(msg, code = 64) {
  process.stderr.write(`bench/e2e: ${msg}\n`);
  process.exit(code);
}
const int = (name, min, max) => {
  const raw = String(opt[name]);
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < min || n > max) die(`--${name}: expected a whole number from ${min} to ${max}, got "${raw}"`);
  return n;
};
const N = int('messages', 1, 1_000_000);
const RUNS = int('runs', 1, 20);
const PORT_OPT = int('port', 0, 65535);
const SOURCE_M = int('source-messages', 1, 1_000_000);
const TIMEOUT = int('timeout', 10, 4 * 3600);
const SIZE = 4096;
const NM_CONNECTIONS = 10;
const NM_WINDOW = 200;

const contentJs = join(ROOT, 'dist/main/bench/bench-content.js');
if (!existsSync(contentJs)) die(`${contentJs} is missing: run \`npm run build\` first`);

if (opt['nodemailer-child']) {
  await nodemailerChild();
  process.exit(0);
}
if (opt['wire-child']) {
  await wireChild();
  process.exit(0);
}

// ---------------------------------------------------------------------------------------------------------------
// Step 4, in its own process: the minimal pipelined client of BENCH.md's first row. Per connection: EHLO once, then
// for each message MAIL FROM, RCPT TO and DATA in one write, their three replies, the pre-built body and its ".",
// its reply. N here is --messages (the orchestrator passes M).
async function wireChild() {
  if (PORT_OPT === 0) die('--wire-child needs --port');
  const CONNS = 10;
  const line = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore.\r\n';
  let body = 'From: <bench@postflow.local>\r\nTo: <sink@example.org>\r\nSubject: wire limit\r\nMessage-ID: <wire@postflow.local>\r\n\r\n';
  while (body.length + line.length <= SIZE) body += line;
  const bodyBytes = Buffer.from(body + '.\r\n');
  const envelope = Buffer.from('MAIL FROM:<bench@postflow.local>\r\nRCPT TO:<sink@example.org>\r\nDATA\r\n');
  const deadline = Date.now() + TIMEOUT * 1000;
  let next = 0;
  let sent = 0;
  const failures = new Map();
  // Replies of one connection, read as they come: `want` complete replies (a line whose 4th byte is a space) resolve
  // `wake` with the code of each.
  function conn() {
    return new Promise((resolve, reject) => {
      const sock = connect(PORT_OPT, '127.0.0.1');
      sock.setNoDelay(true);
      let buf = '';
      let codes = [];
      let want = 1;
      let wake = null;
      const ready = () => new Promise((r) => { wake = r; pump(); });
      function pump() {
        for (let i; (i = buf.indexOf('\n')) >= 0;) {
          const l = buf.slice(0, i);
          buf = buf.slice(i + 1);
          if (l[3] !== '-') codes.push(Number(l.slice(0, 3)));
        }
        if (wake && codes.length >= want) { const w = wake; wake = null; const c = codes; codes = []; w(c); }
      }
      sock.on('data', (d) => { buf += d.toString('latin1'); pump(); });
      sock.on('error', reject);
      sock.on('close', () => { if (wake) reject(new Error('connection closed')); });
      (async () => {
        want = 1;
        await ready(); // 220
        sock.write('EHLO wire.postflow.local\r\n');
        await ready(); // 250 (multi-line)
        while (next < N && Date.now() < deadline) {
          next++;
          sock.write(envelope);
          want = 3;
          const env = await ready();
          if (env[2] !== 354) { const k = env.join(' '); failures.set(k, (failures.get(k) ?? 0) + 1); sock.write('RSET\r\n'); want = 1; await ready(); continue; }
          sock.write(bodyBytes);
          want = 1;
          const [fin] = await ready();
          if (fin >= 200 && fin < 300) sent++;
          else failures.set(String(fin), (failures.get(String(fin)) ?? 0) + 1);
        }
        sock.end('QUIT\r\n');
        resolve();
      })().catch(reject);
    });
  }
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONNS }, conn));
  const secs = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  process.stdout.write(JSON.stringify({
    messages: N, sent, failures: Object.fromEntries(failures), seconds: secs, deliveredPerSec: sent / secs,
    cpuSeconds: (cpu.user + cpu.system) / 1e6, peakRssMiB: process.resourceUsage().maxRSS / 1024,
  }) + '\n');
}

// ---------------------------------------------------------------------------------------------------------------
// Step 5, in its own process: nodemailer pooled, the same personalised messages as `postflow bench`.
async function nodemailerChild() {
  if (PORT_OPT === 0) die('--nodemailer-child needs --port');
  const { benchTemplate, benchMessage } = await import(pathToFileURL(contentJs).href);
  const { Liquid } = await import('liquidjs');
  const nodemailer = (await import('nodemailer')).default;
  const t = benchTemplate();
  const liquid = new Liquid();
  const tpl = { subject: liquid.parse(t.subject), html: liquid.parse(t.html), text: liquid.parse(t.text) };
  const transport = nodemailer.createTransport({
    host: '127.0.0.1', port: PORT_OPT, secure: false, ignoreTLS: true, pool: true, maxConnections: NM_CONNECTIONS,
  });
  const deadline = Date.now() + TIMEOUT * 1000;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let next = 0;
  let sent = 0;
  const failures = new Map();
  async function lane() {
    while (next < N && Date.now() < deadline) {
      const i = next++;
      const m = benchMessage(i, t.id);
      const v = m.variables;
      try {
        await transport.sendMail({
          from: 'Postflow <postflow@postflow.local>', to: m.to,
          subject: liquid.renderSync(tpl.subject, v), html: liquid.renderSync(tpl.html, v), text: liquid.renderSync(tpl.text, v),
        });
        sent++;
      } catch (e) {
        const k = String(e?.response ?? e?.code ?? e?.message ?? e).slice(0, 120);
        failures.set(k, (failures.get(k) ?? 0) + 1);
      }
    }
  }
  await Promise.all(Array.from({ length: NM_WINDOW }, lane));
  const secs = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  transport.close();
  process.stdout.write(JSON.stringify({
    messages: N, sent, failures: Object.fromEntries(failures), seconds: secs, deliveredPerSec: sent / secs,
    cpuSeconds: (cpu.user + cpu.system) / 1e6, peakRssMiB: process.resourceUsage().maxRSS / 1024,
  }) + '\n');
}

// ---------------------------------------------------------------------------------------------------------------
// The orchestrator.
const started = new Set(); // children this script started; killed by PID (their process group where detached)
let sink = null;
let shuttingDown = false;
function killChild(c, signal = 'SIGTERM') {
  if (c.exitCode !== null || c.signalCode !== null) return;
  try {
    if (c.__group) process.kill(-c.pid, signal);
    else process.kill(c.pid, signal);
  } catch { /* already gone */ }
}
function cleanup() {
  for (const c of started) killChild(c, 'SIGKILL');
}
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { cleanup(); process.exit(130); });
const guard = setTimeout(() => { process.stderr.write(`bench/e2e: --timeout ${TIMEOUT}s reached, stopping\n`); cleanup(); process.exit(2); }, TIMEOUT * 1000);
guard.unref();
const deadline = Date.now() + TIMEOUT * 1000;
const remainingSec = () => Math.max(1, Math.floor((deadline - Date.now()) / 1000));

/** Run a command (no shell), capture stdout, pass stderr through with a prefix; bounded by `timeoutSec`. */
function run(cmd, args, { timeoutSec, label, group = false }) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const c = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: group });
    c.__group = group;
    started.add(c);
    let out = '';
    let err = '';
    c.stdout.on('data', (d) => { out += d; });
    c.stderr.on('data', (d) => {
      err += d;
      if (!opt.json) for (const line of String(d).split('\n').filter(Boolean)) process.stderr.write(`  [${label}] ${line}\n`);
    });
    const timer = setTimeout(() => { err += `\n(killed after ${timeoutSec}s)`; killChild(c, 'SIGKILL'); }, timeoutSec * 1000);
    c.on('error', (e) => { err += e.message; });
    c.on('close', (code, signal) => {
      clearTimeout(timer);
      started.delete(c);
      resolve({ code, signal, out, err, seconds: (performance.now() - t0) / 1000 });
    });
  });
}

function procCpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return null;
  }
}
const lastJsonLine = (s) => {
  const line = s.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (!line) throw new Error('no JSON line in its output');
  return JSON.parse(line);
};
function portAnswers(p) {
  return new Promise((res) => {
    const s = connect(p, '127.0.0.1', () => { s.destroy(); res(true); });
    s.on('error', () => res(false));
  });
}
function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}
const sh = (cmd, args) => new Promise((resolve) => {
  const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'ignore'] });
  let o = '';
  c.stdout.on('data', (d) => { o += d; });
  c.on('error', () => resolve(null));
  c.on('close', () => resolve(o.trim()));
});

async function postflowStep(extra, label) {
  const sinkCpu0 = procCpuSeconds(sink.pid);
  const bt = Math.min(900, remainingSec());
  // Its own --timeout lets `postflow bench` stop its server itself; our kill (its process group) is the backstop.
  const r = await run(process.execPath, [join(ROOT, 'bin/postflow.js'), 'bench', '--messages', String(N), '--sink', `127.0.0.1:${port}`, '--json', '--timeout', String(bt), ...extra],
    { timeoutSec: bt + 30, label, group: true });
  const sinkCpu = procCpuSeconds(sink.pid) - sinkCpu0;
  if (r.code !== 0) return { error: `exit ${r.code ?? r.signal}: ${r.err.trim().split('\n').slice(-3).join(' | ')}` };
  try {
    return { ...lastJsonLine(r.out), sinkCpuSeconds: sinkCpu, wallSeconds: r.seconds };
  } catch (e) {
    return { error: e.message };
  }
}

async function smtpSourceStep(reuse) {
  const sinkCpu0 = procCpuSeconds(sink.pid);
  const r = await run('smtp-source', [...(reuse ? ['-d'] : []), '-s', '20', '-m', String(SOURCE_M), '-l', String(SIZE), `127.0.0.1:${port}`], { timeoutSec: Math.min(900, remainingSec()), label: 'smtp-source' });
  const sinkCpu = procCpuSeconds(sink.pid) - sinkCpu0;
  if (r.code !== 0) return { error: `exit ${r.code ?? r.signal}: ${r.err.trim().slice(-300)}` };
  return { messages: SOURCE_M, seconds: r.seconds, deliveredPerSec: SOURCE_M / r.seconds, sinkCpuSeconds: sinkCpu };
}

async function childStep(flag, messages, label) {
  const sinkCpu0 = procCpuSeconds(sink.pid);
  const bt = Math.min(900, remainingSec());
  const r = await run(process.execPath, [SELF, flag, '--messages', String(messages), '--port', String(port), '--timeout', String(bt)], { timeoutSec: bt + 30, label });
  const sinkCpu = procCpuSeconds(sink.pid) - sinkCpu0;
  if (r.code !== 0) return { error: `exit ${r.code ?? r.signal}: ${r.err.trim().split('\n').slice(-3).join(' | ')}` };
  try {
    return { ...lastJsonLine(r.out), sinkCpuSeconds: sinkCpu };
  } catch (e) {
    return { error: e.message };
  }
}

// Machine, recorded with the figures.
const machine = {
  nproc: cpus().length, cpuModel: cpus()[0]?.model, memTotalMiB: Math.round(totalmem() / 2 ** 20), memFreeMiB: Math.round(freemem() / 2 ** 20),
  node: process.version, kernel: await sh('uname', ['-r']), loadavgAtStart: readFileSync('/proc/loadavg', 'utf8').trim(), date: new Date().toISOString(),
  commit: await sh('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD']), uncommitted: await sh('git', ['-C', ROOT, 'status', '--porcelain', '--', 'src']),
};

// 1. The sink, spawned directly: its PID is the sink's.
const port = PORT_OPT || await freePort();
if (await portAnswers(port)) die(`127.0.0.1:${port} is already in use: pick another --port`);
sink = spawn('smtp-sink', ['-4', '-u', 'nobody', `127.0.0.1:${port}`, '1000'], { stdio: 'ignore' });
started.add(sink);
sink.on('error', (e) => die(`cannot start smtp-sink (apt-get install postfix): ${e.message}`, 1));
sink.on('exit', (code, signal) => { if (!shuttingDown) { process.stderr.write(`bench/e2e: smtp-sink exited early (${code ?? signal})\n`); cleanup(); process.exit(1); } });
{
  const until = Date.now() + 5000;
  while (!(await portAnswers(port))) {
    if (Date.now() > until) die(`smtp-sink does not answer on 127.0.0.1:${port} after 5 s`, 1);
    await new Promise((r) => setTimeout(r, 50));
  }
}
if (!opt.json) process.stderr.write(`bench/e2e: smtp-sink pid ${sink.pid} on 127.0.0.1:${port}; ${N} messages, ${RUNS} run(s); load ${machine.loadavgAtStart}\n`);

const runs = [];
try {
  for (let i = 1; i <= RUNS; i++) {
    const note = (s) => { if (!opt.json) process.stderr.write(`bench/e2e: run ${i}/${RUNS}: ${s}\n`); };
    note('postflow bench (postflow start)');
    const postflow = await postflowStep([], 'postflow');
    note('postflow bench --worker-processes 1');
    const postflowWp = await postflowStep(['--worker-processes', '1'], 'postflow wp1');
    note(`smtp-source -s 20 -m ${SOURCE_M} -l ${SIZE}`);
    const source = await smtpSourceStep(false);
    note(`smtp-source -d -s 20 -m ${SOURCE_M} -l ${SIZE}`);
    const sourceReused = await smtpSourceStep(true);
    note(`minimal pipelined client, ${SOURCE_M} pre-built messages`);
    const wire = await childStep('--wire-child', SOURCE_M, 'wire');
    note('nodemailer pooled');
    const nm = await childStep('--nodemailer-child', N, 'nodemailer');
    const ratio = (a, b) => (a?.deliveredPerSec && b?.deliveredPerSec ? a.deliveredPerSec / b.deliveredPerSec : null);
    runs.push({
      run: i, loadavg: readFileSync('/proc/loadavg', 'utf8').trim(), postflow, postflowWorkerProcesses1: postflowWp, smtpSource: source, smtpSourceReused: sourceReused, wire, nodemailer: nm,
      ratios: {
        postflowOverNodemailer: ratio(postflow, nm), postflowOverSmtpSource: ratio(postflow, source), postflowOverSmtpSourceReused: ratio(postflow, sourceReused),
        postflowOverWire: ratio(postflow, wire),
        postflowWp1OverNodemailer: ratio(postflowWp, nm), postflowWp1OverSmtpSource: ratio(postflowWp, source),
      },
    });
  }
} finally {
  shuttingDown = true;
  clearTimeout(guard);
  killChild(sink, 'SIGTERM');
  await new Promise((r) => (sink.exitCode !== null || sink.signalCode !== null ? r() : sink.once('exit', r)));
  started.delete(sink);
}

// Summaries: median (middle value; mean of the two middle ones for an even count) and range.
function stat(values) {
  const v = values.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = v.length >> 1;
  return { median: v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2, min: v[0], max: v[v.length - 1], n: v.length };
}
const pick = (k, f) => stat(runs.map((r) => r[k] && !r[k].error ? f(r[k]) : null));
const rowsSpec = [
  ['postflow', 'Postflow (postflow start)'],
  ['postflowWorkerProcesses1', 'Postflow (api + 1 worker process)'],
  ['smtpSource', `smtp-source -s 20 -m ${SOURCE_M} -l ${SIZE}`],
  ['smtpSourceReused', `smtp-source -d -s 20 -m ${SOURCE_M} -l ${SIZE}`],
  ['wire', `minimal pipelined client (10 conns, ${SOURCE_M})`],
  ['nodemailer', `nodemailer pool (${NM_CONNECTIONS} conns, ${NM_WINDOW} in flight)`],
];
const summary = {};
for (const [k] of rowsSpec) {
  summary[k] = {
    deliveredPerSec: pick(k, (x) => x.deliveredPerSec), acceptedPerSec: pick(k, (x) => x.acceptedPerSec),
    cpuSeconds: pick(k, (x) => x.serverCpuSeconds ?? x.cpuSeconds), peakRssMiB: pick(k, (x) => x.serverPeakRssMiB ?? x.peakRssMiB),
    latencyP50Ms: pick(k, (x) => x.latencyP50Ms), latencyP99Ms: pick(k, (x) => x.latencyP99Ms), sinkCpuSeconds: pick(k, (x) => x.sinkCpuSeconds),
    drainPerSec: pick(k, (x) => x.drainPerSec ?? null),
  };
}
summary.ratios = Object.fromEntries(Object.keys(runs[0]?.ratios ?? {}).map((k) => [k, stat(runs.map((r) => r.ratios[k]))]));
const errors = runs.flatMap((r) => rowsSpec.filter(([k]) => r[k].error).map(([k]) => `run ${r.run} ${k}: ${r[k].error}`));
const incomplete = runs.flatMap((r) => ['postflow', 'postflowWorkerProcesses1', 'wire', 'nodemailer'].filter((k) => !r[k].error && r[k].sent !== r[k].messages).map((k) => `run ${r.run} ${k}: sent ${r[k].sent} of ${r[k].messages}${r[k].notSent && Object.keys(r[k].notSent).length ? ` ${JSON.stringify(r[k].notSent)}` : ''}${r[k].failures && Object.keys(r[k].failures).length ? ` ${JSON.stringify(r[k].failures)}` : ''}`));

{
  const out = opt.json ? process.stderr : process.stdout;
  const f = (s, d = 0) => {
    if (!s) return 'n/a';
    const x = (n) => n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
    return s.n > 1 ? `${x(s.median)} (${x(s.min)}–${x(s.max)})` : x(s.median);
  };
  const cols = ['', 'delivered/s', 'accepted/s', 'CPU s', 'peak RSS MiB', 'p50 ms', 'p99 ms', 'sink CPU s'];
  const table = [cols, ...rowsSpec.map(([k, label]) => {
    const s = summary[k];
    return [label, f(s.deliveredPerSec), f(s.acceptedPerSec), f(s.cpuSeconds, 1), f(s.peakRssMiB), f(s.latencyP50Ms), f(s.latencyP99Ms), f(s.sinkCpuSeconds, 1)];
  })];
  const w = cols.map((_, c) => Math.max(...table.map((r) => r[c].length)));
  out.write(`\n${N} messages per Postflow/nodemailer step, ${RUNS} run(s); median (min–max)\n`);
  for (const r of table) out.write(r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ') + '\n');
  for (const [k, label] of rowsSpec) if (summary[k].drainPerSec) out.write(`${label}: once the last request was answered, the rest delivered at ${f(summary[k].drainPerSec)}/s\n`);
  out.write('\nratios within each run, median (min–max)\n');
  for (const [k, s] of Object.entries(summary.ratios)) out.write(`  ${k.padEnd(28)} ${f(s, 2)}\n`);
  for (const e of [...errors, ...incomplete]) out.write(`! ${e}\n`);
}
if (opt.json) {
  process.stdout.write(JSON.stringify({ command: `node bench/e2e.mjs ${process.argv.slice(2).join(' ')}`.trim(), messages: N, runs: RUNS, port, machine, results: runs, summary, errors, incomplete }) + '\n');
}
process.exitCode = errors.length || incomplete.length ? 1 : 0;
