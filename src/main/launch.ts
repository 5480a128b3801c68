// How bin/postflow.js starts a server command with the Node flags it needs (docs/adr/0026-single-threaded-gc.md).
// Kept free of the rest of Postflow: the launching process loads only this and config/gc-mode.ts.
import { spawn } from 'node:child_process';
import { gcModeFrom, serverNodeFlags } from '../config/gc-mode.js';

/** The commands that run a server (long-lived, under load) and get the server flags. */
export const SERVER_COMMANDS: ReadonlySet<string> = new Set(['start', 'api', 'worker']);

/** Set in the environment of a server relaunched by `launch`, so it knows a launcher waits on it. */
const LAUNCHED = 'POSTFLOW_LAUNCHED';

const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR2'];

/** The flags `argv` (the CLI's arguments) should run with that this process lacks. */
export function missingFlags(argv: readonly string[], env: Record<string, string | undefined>, execArgv: readonly string[], cwd = '.'): string[] {
  if (!SERVER_COMMANDS.has(argv[0] ?? '')) return [];
  const mode = gcModeFrom(env, cwd);
  // A POSTFLOW_GC that is not a mode starts nothing here: the server's own config check names it and exits.
  if (!mode) return [];
  return serverNodeFlags(mode).filter((f) => !execArgv.includes(f));
}

/**
 * Run `script argv` again in a child Node process with the flags it lacks, when it is a server command; returns false
 * (and does nothing) when no flag is missing. This process then only waits: it passes its signals on to the child
 * and ends the way the child ended (same exit code, or the same signal). The child watches this process through an
 * IPC channel and kills itself at once (SIGKILL, as a crash) if this process dies without it — `kill -9` of the
 * launcher must not leave a server running that nothing supervises.
 */
export function launch(argv: readonly string[], script: string): boolean {
  if (process.env[LAUNCHED] === '1') {
    watchLauncher();
    return false;
  }
  const flags = missingFlags(argv, process.env, process.execArgv);
  if (flags.length === 0) return false;
  const child = spawn(process.execPath, [...flags, ...process.execArgv, script, ...argv], {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, [LAUNCHED]: '1' },
  });
  for (const sig of FORWARDED) process.on(sig, () => child.kill(sig));
  child.on('error', (err) => {
    process.stderr.write(`postflow: could not start the server process: ${err.message}\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
      return;
    }
    process.exit(code ?? 1);
  });
  return true;
}

// In the relaunched server: the channel closes when the launcher is gone, whatever killed it.
function watchLauncher(): void {
  delete process.env[LAUNCHED];
  const channel = process.channel;
  if (!channel) return;
  channel.unref();
  process.on('disconnect', () => process.kill(process.pid, 'SIGKILL'));
}
