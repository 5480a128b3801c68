#!/usr/bin/env node
// bench/ab: `postflow bench` for two builds (or two settings) in alternation, and the ratio of each pair. This
// machine changes speed from minute to minute (±15–30 %, bench/RESULTS.md): a before/after comparison of two series
// run one after the other measures the machine; runs alternated a, b, a, b… and compared pair by pair do not.
//
//   node bench/ab.mjs --a DIR [--b DIR] --sink HOST:PORT [--rounds R] [--messages N] [--env-a K=V,…] [--env-b K=V,…]
//                     [--args-a "ARGS"] [--args-b "ARGS"] [--timeout S] [--json]
//
// DIR is a checkout with a build: `git archive <rev> | tar -x -C /tmp/before`, `ln -s $PWD/node_modules
// /tmp/before/node_modules`, `(cd /tmp/before && npx tsc -p tsconfig.build.json)`; --b defaults to this checkout.
// --env-a / --env-b set variables for one side only (e.g. --env-b POSTFLOW_HEAP_GROWING_PERCENT=50 with --a and
// --b the same DIR); --args-a= / --args-b= add `postflow bench` arguments for one side (with "=", e.g. --args-b=
// "--node-args=--max-semi-space-size=32" or --args-b="--workers 4"; split on spaces, so one Node flag per
// --node-args). The sink is started by the caller: `smtp-sink -4 -u nobody 127.0.0.1:2525 1000 &`, stopped by
// its PID after. Reported per round: delivered/s, server CPU seconds and peak RSS of each side; then the median of
// each side, the median (min–max) of b ÷ a delivered/s over the rounds, and in how many rounds b was faster.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const { values: opt } = parseArgs({
  options: {
    a: { type: 'string' },
    b: { type: 'string', default: ROOT },
    sink: { type: 'string' },
    rounds: { type: 'string', default: '4' },
    messages: { type: 'string', default: '50000' },
    'env-a': { type: 'string', default: '' },
    'env-b': { type: 'string', default: '' },
    'args-a': { type: 'string', default: '' },
    'args-b': { type: 'string', default: '' },
    timeout: { type: 'string', default: '600' },
    json: { type: 'boolean', default: false },
  },
  strict: true,
});

function die(msg) {
  process.stderr.write(`bench/ab: ${msg}\n`);
  process.exit(64);
}
const int = (name, min, max) => {
  const raw = String(opt[name]);
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < min || n > max) die(`--${name}: expected a whole number from ${min} to ${max}, got "${raw}"`);
  return n;
};
const env = (name) => {
  const out = {};
  for (const kv of String(opt[name]).split(',').filter(Boolean)) {
    const eq = kv.indexOf('=');
    if (eq < 1) die(`--${name}: expected KEY=VALUE[,KEY=VALUE…], got "${kv}"`);
    out[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return out;
};
const ROUNDS = int('rounds', 1, 50);
const N = int('messages', 1, 1_000_000);
const TIMEOUT = int('timeout', 10, 3600);
if (!opt.a) die('--a DIR is required (a checkout with a build)');
if (!opt.sink || !/^[\w.:-]+:\d+$/.test(opt.sink)) die('--sink HOST:PORT is required (start one: smtp-sink -4 -u nobody 127.0.0.1:2525 1000 &)');
const sides = [
  { name: 'a', root: resolve(opt.a), env: env('env-a'), args: String(opt['args-a']).split(/\s+/).filter(Boolean) },
  { name: 'b', root: resolve(opt.b), env: env('env-b'), args: String(opt['args-b']).split(/\s+/).filter(Boolean) },
];
for (const s of sides) if (!existsSync(join(s.root, 'dist/main/cli.js'))) die(`${s.root}: no dist/ (build it first)`);

/** One `postflow bench` run of a side: its JSON result. */
function run(side) {
  const args = [join(side.root, 'bin/postflow.js'), 'bench', '--messages', String(N), '--sink', opt.sink, '--timeout', String(TIMEOUT), '--json', ...side.args];
  const r = spawnSync(process.execPath, args, { env: { ...process.env, ...side.env }, encoding: 'utf8', timeout: (TIMEOUT + 60) * 1000 });
  const last = (r.stdout ?? '').trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !last.startsWith('{')) die(`side ${side.name} failed (exit ${r.status ?? r.signal}): ${(r.stderr ?? '').slice(-500)}`);
  const out = JSON.parse(last);
  if (out.sent !== N) die(`side ${side.name}: ${out.sent} of ${N} sent (${JSON.stringify(out.notSent)})`);
  return out;
}

const median = (xs) => {
  const s = [...xs].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const rounds = [];
for (let i = 0; i < ROUNDS; i++) {
  // Which side goes first alternates too, so that neither always follows the other's warm-up or cool-down.
  const order = i % 2 === 0 ? sides : [...sides].reverse();
  const got = {};
  for (const s of order) got[s.name] = run(s);
  const round = { round: i + 1, a: got.a, b: got.b, ratio: got.b.deliveredPerSec / got.a.deliveredPerSec };
  rounds.push(round);
  if (!opt.json) {
    const f = (r) => `${Math.round(r.deliveredPerSec)}/s cpu ${r.serverCpuSeconds?.toFixed(2)} s rss ${Math.round(r.serverPeakRssMiB)} MiB`;
    process.stdout.write(`round ${i + 1}: a ${f(got.a)} | b ${f(got.b)} | b÷a ${round.ratio.toFixed(3)}\n`);
  }
}
const side = (k) => ({
  deliveredPerSec: median(rounds.map((r) => r[k].deliveredPerSec)),
  serverCpuSeconds: median(rounds.map((r) => r[k].serverCpuSeconds)),
  serverPeakRssMiB: Math.max(...rounds.map((r) => r[k].serverPeakRssMiB)),
});
const ratios = rounds.map((r) => r.ratio);
const summary = {
  a: { root: sides[0].root, env: sides[0].env, ...side('a') },
  b: { root: sides[1].root, env: sides[1].env, ...side('b') },
  ratio: { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) },
  bFaster: rounds.filter((r) => r.ratio > 1).length,
  rounds: ROUNDS,
  messages: N,
  date: new Date().toISOString(),
};
if (opt.json) process.stdout.write(`${JSON.stringify({ summary, rounds })}\n`);
else {
  const f = (s) => `${Math.round(s.deliveredPerSec)}/s, cpu ${s.serverCpuSeconds.toFixed(2)} s, peak rss ${Math.round(s.serverPeakRssMiB)} MiB`;
  process.stdout.write(`medians: a ${f(summary.a)}; b ${f(summary.b)}\n`);
  process.stdout.write(`b÷a delivered/s: median ${summary.ratio.median.toFixed(3)} (${summary.ratio.min.toFixed(3)}–${summary.ratio.max.toFixed(3)}); b faster in ${summary.bFaster} of ${ROUNDS} rounds\n`);
}
