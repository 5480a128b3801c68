// bin/postflow.js runs a server command in a child process with the Node flags POSTFLOW_GC asks for
// (src/main/launch.ts, ADR 0026). Over real processes: the child has the flag, signals reach it, the launcher ends
// as the child did, and a launcher killed with SIGKILL takes its server with it.
import { describe, it, expect, afterAll } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, waitFor } from '../support/process.js';

const BIN = fileURLToPath(new URL('../../bin/postflow.js', import.meta.url));
const dirs: string[] = [];
const procs: ChildProcess[] = [];
afterAll(() => {
  for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

// The process tree is read from /proc.
const linux = process.platform === 'linux';
const cmdline = (pid: number): string[] => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
// Processes whose parent is `pid`, from each process's stat line (works without CONFIG_PROC_CHILDREN).
const childrenOf = (pid: number): number[] =>
  readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((d) => {
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
    } catch {
      return false; // gone meanwhile
    }
  }).map(Number);
// Gone, or a zombie waiting for whoever adopted it to reap it: either way no longer running.
const running = (pid: number): boolean => existsSync(`/proc/${pid}`) && !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));

async function launch(gc: string, env: Record<string, string> = {}): Promise<{ p: ChildProcess; port: number; exited: Promise<[number | null, string | null]> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pf-launch-'));
  dirs.push(dataDir);
  const port = await freePort();
  const p = spawn(process.execPath, [BIN, 'start'], {
    cwd: dataDir,
    env: { ...process.env, POSTFLOW_GC: gc, POSTFLOW_DATA_DIR: dataDir, POSTFLOW_PORT: String(port), POSTFLOW_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  procs.push(p);
  const exited = new Promise<[number | null, string | null]>((resolve) => p.on('exit', (code, signal) => resolve([code, signal])));
  return { p, port, exited };
}

const ready = (port: number) => waitFor('the server to answer /ready', async () => (await fetch(`http://127.0.0.1:${port}/ready`)).ok);

describe.skipIf(!linux)('bin/postflow.js launching a server command', () => {
  it('POSTFLOW_GC=single-threaded: the server is a child with --single-threaded-gc; SIGTERM stops both cleanly', async () => {
    const { p, port, exited } = await launch('single-threaded');
    await ready(port);
    const kids = childrenOf(p.pid!);
    expect(kids).toHaveLength(1);
    expect(cmdline(kids[0]!)).toContain('--single-threaded-gc');
    expect(cmdline(p.pid!)).not.toContain('--single-threaded-gc');
    p.kill('SIGTERM');
    expect(await exited).toEqual([0, null]);
    expect(running(kids[0]!)).toBe(false);
  });

  it('a launcher killed with SIGKILL takes its server with it', async () => {
    const { p, port, exited } = await launch('single-threaded');
    await ready(port);
    const [server] = childrenOf(p.pid!);
    expect(server).toBeGreaterThan(0);
    p.kill('SIGKILL');
    expect(await exited).toEqual([null, 'SIGKILL']);
    await waitFor('the orphaned server to stop', () => !running(server!), 5000);
    await expect(fetch(`http://127.0.0.1:${port}/ready`)).rejects.toThrow();
  });

  it('ends with the server\'s own exit code (a configuration error: 78, named on stderr)', async () => {
    const { p, exited } = await launch('single-threaded', { POSTFLOW_WORKERS: 'many' });
    let err = '';
    p.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    expect(await exited).toEqual([78, null]);
    expect(err).toMatch(/POSTFLOW_WORKERS: must be a whole number/);
  });

  it('a port in use is named on stderr, and the server ends with status 1 instead of a stack trace', async () => {
    const first = await launch('parallel');
    await ready(first.port);
    const { p, exited } = await launch('single-threaded', { POSTFLOW_PORT: String(first.port) });
    let err = '';
    p.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    expect(await exited).toEqual([1, null]);
    expect(err).toMatch(new RegExp(`^postflow: cannot listen on 127\\.0\\.0\\.1:${first.port} \\(POSTFLOW_HOST, POSTFLOW_PORT\\): the port is in use by another process\n$`));
    first.p.kill('SIGTERM');
    expect(await first.exited).toEqual([0, null]);
  });

  it('POSTFLOW_GC=parallel: no child, the process is the server itself', async () => {
    const { p, port, exited } = await launch('parallel');
    await ready(port);
    expect(childrenOf(p.pid!)).toEqual([]);
    expect(cmdline(p.pid!)).not.toContain('--single-threaded-gc');
    p.kill('SIGTERM');
    expect(await exited).toEqual([0, null]);
  });

  it('a POSTFLOW_GC that is no mode is reported by the server\'s configuration check', async () => {
    const { p, exited } = await launch('fastest');
    let err = '';
    p.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    expect(await exited).toEqual([78, null]);
    expect(err).toMatch(/POSTFLOW_GC: must be one of auto, single-threaded, parallel \(got "fastest"\)/);
  });
});
