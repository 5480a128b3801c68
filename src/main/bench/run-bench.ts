import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { QUEUE_LEASED, QUEUE_WAITING } from '../../adapters/store/rows.js';
import BetterSqlite3 from 'better-sqlite3';
import { benchMessage, benchTemplate } from './bench-content.js';
import { cpuSeconds, peakRssMiB, quantile } from './proc-stats.js';
import { missingFlags } from '../launch.js';

/** What `postflow bench` is asked to do. */
export interface BenchOptions {
  messages: number;
  batch: number;
  concurrency: number;
  workers: number;
  batchSize: number;
  /** host:port of an SMTP sink to use; otherwise `postflow sink` is started. */
  sink?: string;
  timeoutSec: number;
  /** Write a V8 CPU profile of the server process into this folder. */
  cpuProf?: string;
  /** 0: one `postflow start` process; n > 0: one `postflow api` and n `postflow worker` processes on the same store. */
  workerProcesses: number;
  /** Extra Node flags for the server processes (experiments: collector settings, traces on stderr…). */
  nodeArgs?: string[];
}

/** What it measured. */
export interface BenchResult {
  messages: number;
  acceptSeconds: number;
  acceptedPerSec: number;
  deliverSeconds: number;
  deliveredPerSec: number;
  /** Messages not yet delivered when the last request was answered, and the rate at which they were then delivered. */
  leftAtAcceptEnd: number;
  drainPerSec: number | null;
  sent: number;
  notSent: Record<string, number>;
  serverCpuSeconds: number | null;
  serverPeakRssMiB: number | null;
  sinkCpuSeconds: number | null;
  latencyP50Ms: number;
  latencyP99Ms: number;
}

const BIN = fileURLToPath(new URL('../../../bin/postflow.js', import.meta.url));
const KEY = 'pf_bench_0123456789abcdefghij';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

// A server command gets its Node flags here rather than from bin/postflow.js relaunching itself: the process
// measured (CPU, RSS) and signalled is then the server itself.
function spawnCli(args: string[], env: Record<string, string>, nodeArgs: string[] = []): ChildProcess {
  const all = { ...process.env, ...env };
  // With extra Node flags (traces print on stdout) the server's stdout goes to this process's stderr.
  return spawn(process.execPath, [...missingFlags(args, all, []), ...nodeArgs, BIN, ...args], { env: all, stdio: ['ignore', nodeArgs.length ? 2 : 'ignore', 'inherit'] });
}

async function waitFor(what: string, check: () => Promise<boolean>, deadline: number, everyMs = 50): Promise<void> {
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Messages by status, read from the SQLite file itself (works whichever process delivers; readers never block writers in WAL). */
function statusCounts(db: BetterSqlite3.Database): Record<string, number> {
  const rows = db.prepare('SELECT status, count(*) AS n FROM messages GROUP BY status').all() as Array<{ status: string; n: number }>;
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

/**
 * The end-to-end benchmark of SPEC §12: a fresh Postflow (`postflow start`, SQLite in a temp dir) delivers N
 * personalised ~4 KB messages, accepted through the HTTP API in batches, over SMTP to a local sink. Every loop is
 * bounded in count and time; only 127.0.0.1 is used.
 */
export async function runBench(o: BenchOptions, progress: (line: string) => void): Promise<BenchResult> {
  const deadline = Date.now() + o.timeoutSec * 1000;
  const dataDir = mkdtempSync(join(tmpdir(), 'pf-bench-'));
  const children: ChildProcess[] = [];
  try {
    let sinkAddr = o.sink;
    let sinkChild: ChildProcess | null = null;
    if (!sinkAddr) {
      const sinkPort = await freePort();
      sinkChild = spawnCli(['sink', '--port', String(sinkPort), '--report-every', '0'], {});
      children.push(sinkChild);
      sinkAddr = `127.0.0.1:${sinkPort}`;
      await new Promise((r) => setTimeout(r, 300));
    }
    const port = await freePort();
    const env = {
      POSTFLOW_DATA_DIR: dataDir, POSTFLOW_PORT: String(port), POSTFLOW_ADMIN_KEY: KEY, POSTFLOW_LOG_LEVEL: 'warn',
      POSTFLOW_SMTP_URL: `smtp://${sinkAddr}`, POSTFLOW_WORKERS: String(o.workers), POSTFLOW_BATCH_SIZE: String(o.batchSize),
      // Line rate is measured: recipient-domain limits (which would hold gmail.com to 100/min) are lifted.
      POSTFLOW_DOMAIN_LIMITS: '*=0,gmail.com=0,yahoo.com=0,outlook.com=0,hotmail.com=0', POSTFLOW_KEY_RATE_LIMIT: '100000',
    };
    const prof = [...(o.nodeArgs ?? []), ...(o.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${o.cpuProf}`] : [])];
    const server = spawnCli([o.workerProcesses > 0 ? 'api' : 'start'], env, prof);
    children.push(server);
    const workers: ChildProcess[] = [];
    const base = `http://127.0.0.1:${port}`;
    const headers = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };
    await waitFor('the server to be ready', async () => (await fetch(`${base}/ready`)).ok, deadline);
    // Worker processes start after the API has migrated the store; they share its SQLite file.
    for (let i = 0; i < o.workerProcesses; i++) workers.push(spawnCli(['worker'], { ...env, POSTFLOW_PORT: '0' }, prof));
    children.push(...workers);
    const t = benchTemplate();
    const created = await fetch(`${base}/api/v1/templates`, { method: 'POST', headers, body: JSON.stringify(t) });
    if (created.status !== 201) throw new Error(`bench: creating the template failed: ${await created.text()}`);

    const serverPids = [server, ...workers].map((c) => c.pid!);
    const cpuAll = () => serverPids.reduce<number | null>((a, pid) => { const c = cpuSeconds(pid); return a === null || c === null ? null : a + c; }, 0);
    // The request bodies are built before the clock starts, as bench/accept.mjs does: building them during the phase
    // measured took CPU of the same two cores from the server (bench/RESULTS.md, sessions 4 and 6).
    const bodies: string[] = [];
    for (let from = 0; from < o.messages; from += o.batch) {
      const n = Math.min(o.batch, o.messages - from);
      bodies.push(JSON.stringify({ messages: Array.from({ length: n }, (_, k) => benchMessage(from + k, t.id)) }));
    }
    const cpu0 = cpuAll();
    const sinkCpu0 = sinkChild ? cpuSeconds(sinkChild.pid!) : null;
    const start = performance.now();
    let next = 0;
    const post = async (): Promise<void> => {
      while (next < bodies.length && Date.now() < deadline) {
        const res = await fetch(`${base}/api/v1/emails/send-batch`, { method: 'POST', headers, body: bodies[next++]! });
        const body = (await res.json()) as { rejected?: unknown[] };
        if (res.status !== 202 || (body.rejected?.length ?? 0) > 0) throw new Error(`bench: batch refused: ${JSON.stringify(body).slice(0, 300)}`);
      }
    };
    await Promise.all(Array.from({ length: o.concurrency }, post));
    const acceptSeconds = (performance.now() - start) / 1000;
    progress(`accepted ${o.messages} in ${acceptSeconds.toFixed(2)} s`);

    let counts: Record<string, number> = {};
    const watch = new BetterSqlite3(join(dataDir, 'postflow.db'), { readonly: true });
    // While messages are in the queue, only they are counted, through the queue's partial indexes: a count by
    // status scans every row: 22 ms of CPU per poll at 50,000 rows, five polls a second, ~11 % of a core taken from
    // the processes measured (0.7 ms through the indexes).
    const inQueue = watch.prepare(`SELECT (SELECT count(*) FROM messages WHERE queue_state = ${QUEUE_WAITING}) + (SELECT count(*) FROM messages WHERE queue_state = ${QUEUE_LEASED})`).pluck();
    // Polled every 200 ms while many are left, every 10 ms near the end: the end is then read within 10 ms instead of
    // up to 200 (100 ms late on average, ~1.4 % of a 7-second run, always against Postflow), for ~20 polls more.
    const leftAtAcceptEnd = inQueue.get() as number;
    for (let left = leftAtAcceptEnd; ; left = inQueue.get() as number) {
      if (left === 0) {
        counts = statusCounts(watch);
        const final = Object.entries(counts).filter(([k]) => !['queued', 'sending', 'deferred'].includes(k)).reduce((a, [, v]) => a + v, 0);
        if (final >= o.messages) break;
      }
      if (Date.now() > deadline) throw new Error('bench: timed out waiting for every message to reach a final state');
      await new Promise((r) => setTimeout(r, left > 2_000 ? 200 : 10));
    }
    watch.close();
    const deliverSeconds = (performance.now() - start) / 1000;
    const serverCpu = cpu0 === null ? null : cpuAll()! - cpu0;
    const rss = Math.max(...serverPids.map((pid) => peakRssMiB(pid) ?? 0));
    const sinkCpu = sinkCpu0 === null ? null : cpuSeconds(sinkChild!.pid!)! - sinkCpu0;
    for (const c of [server, ...workers]) c.kill('SIGTERM');
    await Promise.all([server, ...workers].map((c) => new Promise((r) => (c.exitCode === null ? c.once('exit', r) : r(null)))));

    const db = new BetterSqlite3(join(dataDir, 'postflow.db'), { readonly: true });
    const lat = (db.prepare("SELECT sent_at - created_at AS l FROM messages WHERE status = 'sent' ORDER BY l").pluck().all() as number[]);
    db.close();
    const { sent = 0, queued: _q, sending: _s, deferred: _d, ...rest } = counts;
    return {
      messages: o.messages, acceptSeconds, acceptedPerSec: o.messages / acceptSeconds, deliverSeconds, deliveredPerSec: sent / deliverSeconds,
      leftAtAcceptEnd, drainPerSec: leftAtAcceptEnd > 0 ? leftAtAcceptEnd / (deliverSeconds - acceptSeconds) : null,
      sent, notSent: rest, serverCpuSeconds: serverCpu, serverPeakRssMiB: rss, sinkCpuSeconds: sinkCpu,
      latencyP50Ms: quantile(lat, 0.5), latencyP99Ms: quantile(lat, 0.99),
    };
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
}
