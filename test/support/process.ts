// Test support: run the real `postflow` CLI as a child process and talk to it over a real socket.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { missingFlags } from '../../src/main/launch.js';

const BIN = fileURLToPath(new URL('../../bin/postflow.js', import.meta.url));

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** A running `postflow <command>` and what it printed. */
export interface CliProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/**
 * Spawn `postflow <args>` with the given environment (added to this one). A server command gets its Node flags
 * directly, as `postflow bench` does, so that the child is the server itself (signals, SIGKILL) rather than the
 * launcher bin/postflow.js would put in front of it (test/integration/launch.test.ts covers that one).
 */
export function runCli(args: string[], env: Record<string, string>): CliProcess {
  const all = { ...process.env, ...env };
  const child = spawn(process.execPath, [...missingFlags(args, all, []), BIN, ...args], { env: all, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

/** Poll `check` every 50 ms until it returns true, or fail after `ms`. */
export async function waitFor(what: string, check: () => Promise<boolean> | boolean, ms = 15_000): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // Not yet (e.g. the server is still starting).
    }
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Kill with SIGKILL and wait for the exit. */
export async function killHard(p: CliProcess): Promise<void> {
  p.child.kill('SIGKILL');
  await p.exited;
}
