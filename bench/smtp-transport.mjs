#!/usr/bin/env node
// bench/smtp-transport: messages/s of the smtp transport alone (no store, no composing): N pre-built messages
// of S bytes handed to SmtpTransport.sendBatch in batches, to an SMTP sink on 127.0.0.1.
//
//   node bench/smtp-transport.mjs [--messages N] [--size S] [--connections C] [--batch B] [--concurrency K]
//                                 [--url smtp://127.0.0.1:2525] [--start-sink] [--compare] [--runs R]
//                                 [--timeout S] [--dist DIR] [--json]
//
// Needs a build (`npm run build`). With --start-sink it starts Postfix's `smtp-sink -4 -u nobody 127.0.0.1:PORT
// 1000` itself and kills it by PID at the end; with --compare it also times Postfix's own load generator,
// `smtp-source -s 20 -m 100000 -l <S> 127.0.0.1:PORT`, against the same sink in the same run. Reported per run:
// wall time, messages/s, this process's CPU seconds and peak RSS, and how many outcomes were ok (all must be).
// Bounded: everything stops after --timeout seconds (default 300).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const { values: opt } = parseArgs({
  options: {
    messages: { type: 'string', default: '50000' },
    size: { type: 'string', default: '4096' },
    connections: { type: 'string', default: '10' },
    batch: { type: 'string', default: '500' },
    concurrency: { type: 'string', default: '4' },
    url: { type: 'string', default: 'smtp://127.0.0.1:2525' },
    'start-sink': { type: 'boolean', default: false },
    compare: { type: 'boolean', default: false },
    runs: { type: 'string', default: '1' },
    timeout: { type: 'string', default: '300' },
    dist: { type: 'string', default: join(ROOT, 'dist') },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});
if (opt.help) {
  process.stdout.write(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1, 14).map((l) => l.replace(/^\/\/ ?/, '')).join('\n') + '\n');
  process.exit(0);
}
const int = (name, min, max) => {
  const n = Number(opt[name]);
  if (!/^\d+$/.test(String(opt[name])) || n < min || n > max) die(`--${name}: expected a whole number from ${min} to ${max}, got "${opt[name]}"`);
  return n;
};
function die(msg) {
  process.stderr.write(`bench/smtp-transport: ${msg}\n`);
  process.exit(64);
}
const N = int('messages', 1, 10_000_000);
const SIZE = int('size', 256, 50_000_000);
const CONNECTIONS = int('connections', 1, 1000);
const BATCH = int('batch', 1, 100_000);
const CONCURRENCY = int('concurrency', 1, 1000);
const RUNS = int('runs', 1, 20);
const TIMEOUT = int('timeout', 1, 3600);
const url = new URL(opt.url);
if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) die('--url must point at this machine (127.0.0.1)');
const port = Number(url.port || 25);

const transportJs = resolve(opt.dist, 'adapters/transports/smtp/smtp-transport.js');
if (!existsSync(transportJs)) die(`${transportJs} is missing: run \`npm run build\` first (or pass --dist)`);
const { SmtpTransport } = await import(pathToFileURL(transportJs).href);

const children = [];
const killAll = () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
};
const guard = setTimeout(() => {
  process.stderr.write(`bench/smtp-transport: --timeout ${TIMEOUT}s reached, stopping\n`);
  killAll();
  process.exit(2);
}, TIMEOUT * 1000);
guard.unref();
process.on('exit', killAll);

if (opt['start-sink']) {
  // Another sink already on the port would silently take the load (and the figures): refuse.
  if (await portAnswers(port)) die(`127.0.0.1:${port} is already in use: pick another --url port for --start-sink`);
  const sink = spawn('smtp-sink', ['-4', '-u', 'nobody', `127.0.0.1:${port}`, '1000'], { stdio: 'ignore' });
  children.push(sink);
  sink.on('error', (e) => die(`cannot start smtp-sink (apt-get install postfix): ${e.message}`));
  await waitForPort(port);
}

// Pre-built messages: headers, then 76-character lines (a few starting with "." to exercise dot-stuffing).
function message(i) {
  const head = `From: Bench <bench@postflow.test>\r\nTo: user${i}@example.com\r\nSubject: bench ${i}\r\nMessage-ID: <b${i}@postflow.test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n`;
  const lines = [];
  let len = head.length;
  for (let n = 0; len < SIZE - 2; n++) {
    const line = (n % 20 === 7 ? '.' : '') + `line ${n} of message ${i} `.padEnd(76, 'x');
    const l = line.slice(0, Math.max(1, Math.min(76, SIZE - 2 - len - 2)));
    lines.push(l);
    len += l.length + 2;
  }
  return { id: `m${i}`, messageId: `b${i}@postflow.test`, envelope: { from: 'bench@postflow.test', to: [`user${i}@example.com`] }, raw: Buffer.from(head + lines.join('\r\n') + '\r\n') };
}
const messages = Array.from({ length: N }, (_, i) => message(i));

async function runTransport() {
  // Transport defaults otherwise (e.g. QUIT and reconnect every 1,000 messages); the URL's query may change them.
  const t = SmtpTransport.fromUrl(`${opt.url}${opt.url.includes('?') ? '&' : '?'}max_connections=${CONNECTIONS}`);
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let next = 0;
  let ok = 0;
  const failures = new Map();
  async function lane() {
    while (next < N) {
      const batch = messages.slice(next, next + BATCH);
      next += batch.length;
      for (const o of await t.sendBatch(batch)) {
        if (o.ok) ok++;
        else failures.set(o.response, (failures.get(o.response) ?? 0) + 1);
      }
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, lane));
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  await t.close();
  return { what: 'SmtpTransport', messages: N, ok, failures: Object.fromEntries(failures), seconds: +secs.toFixed(3), perSecond: Math.round(N / secs), cpuSeconds: +((cpu.user + cpu.system) / 1e6).toFixed(2), peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024) };
}

function runSmtpSource() {
  const m = 100_000;
  const t0 = process.hrtime.bigint();
  const r = spawnSync('smtp-source', ['-s', '20', '-m', String(m), '-l', String(SIZE), `127.0.0.1:${port}`], { stdio: 'ignore', timeout: TIMEOUT * 1000 });
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) return { what: 'smtp-source -s 20', error: r.error?.message ?? `exit ${r.status}` };
  return { what: `smtp-source -s 20 -m ${m} -l ${SIZE}`, messages: m, seconds: +secs.toFixed(3), perSecond: Math.round(m / secs) };
}

const results = [];
for (let run = 1; run <= RUNS; run++) {
  results.push({ run, ...(await runTransport()) });
  if (opt.compare) results.push({ run, ...runSmtpSource() });
}
clearTimeout(guard);
killAll();
if (opt.json) process.stdout.write(JSON.stringify(results, null, 2) + '\n');
else {
  for (const r of results) {
    if (r.error) process.stdout.write(`run ${r.run}  ${r.what}: ${r.error}\n`);
    else process.stdout.write(`run ${r.run}  ${r.what.padEnd(34)} ${String(r.perSecond).padStart(7)} msg/s  ${r.messages} in ${r.seconds}s${r.cpuSeconds !== undefined ? `  cpu ${r.cpuSeconds}s  rss ${r.peakRssMb} MB  ok ${r.ok}/${r.messages}` : ''}${r.failures && Object.keys(r.failures).length ? `  failures ${JSON.stringify(r.failures)}` : ''}\n`);
  }
}
process.exit(results.every((r) => !r.error && (r.ok === undefined || r.ok === r.messages)) ? 0 : 1);

async function portAnswers(p) {
  const net = await import('node:net');
  return new Promise((res) => {
    const s = net.connect(p, '127.0.0.1', () => {
      s.destroy();
      res(true);
    });
    s.on('error', () => res(false));
  });
}

async function waitForPort(p) {
  const until = Date.now() + 5000;
  for (;;) {
    if (await portAnswers(p)) return;
    if (Date.now() > until) die(`nothing listens on 127.0.0.1:${p} after 5 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
