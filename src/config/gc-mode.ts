import { readFileSync } from 'node:fs';
import { configFilePath } from './config-file.js';
import { availableParallelism } from 'node:os';

/** How V8 collects garbage in the server processes (`POSTFLOW_GC`; docs/adr/0026-single-threaded-gc.md). */
export const GC_MODES = ['auto', 'single-threaded', 'parallel'] as const;
export type GcMode = (typeof GC_MODES)[number];

/** The mode `auto` picks single-threaded collection up to this many cores (measured on 2; bench/RESULTS.md, session 7). */
export const SINGLE_THREADED_GC_MAX_CORES = 2;

/**
 * The Node flags a server process (`postflow start`, `api`, `worker`) runs with: `--single-threaded-gc` when the mode
 * says so, or when it is `auto` and the machine has at most SINGLE_THREADED_GC_MAX_CORES cores. V8 reads it only when
 * the process starts (set later, it aborts the process at the next collection), hence a flag and not a setting.
 */
export function serverNodeFlags(mode: GcMode, cores = availableParallelism()): string[] {
  const single = mode === 'single-threaded' || (mode === 'auto' && cores <= SINGLE_THREADED_GC_MAX_CORES);
  return single ? ['--single-threaded-gc'] : [];
}

/**
 * POSTFLOW_GC as loadConfig finds it (the environment, else the config file), read before the rest of the
 * configuration and leniently: unset or empty is `auto`; a value that is not a mode, or a file that cannot be read,
 * gives undefined — the server's own configuration check then names the problem and exits.
 */
export function gcModeFrom(env: Record<string, string | undefined>, cwd = '.'): GcMode | undefined {
  let raw = env.POSTFLOW_GC;
  if (raw === undefined) {
    const file = configFilePath(env, cwd);
    try {
      const v = file ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>).POSTFLOW_GC : undefined;
      raw = v === undefined ? undefined : String(v);
    } catch {
      return undefined;
    }
  }
  if (raw === undefined || raw === '') return 'auto';
  return (GC_MODES as readonly string[]).includes(raw) ? (raw as GcMode) : undefined;
}
