import { describe, it, expect, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gcModeFrom, serverNodeFlags, SINGLE_THREADED_GC_MAX_CORES } from './gc-mode.js';
import { loadConfig } from './config.js';

describe('serverNodeFlags', () => {
  it('asks for single-threaded collection when told to, or on small machines when auto', () => {
    expect(serverNodeFlags('single-threaded', 64)).toEqual(['--single-threaded-gc']);
    expect(serverNodeFlags('parallel', 1)).toEqual([]);
    expect(serverNodeFlags('auto', SINGLE_THREADED_GC_MAX_CORES)).toEqual(['--single-threaded-gc']);
    expect(serverNodeFlags('auto', SINGLE_THREADED_GC_MAX_CORES + 1)).toEqual([]);
  });
});

describe('gcModeFrom', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pf-gc-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the environment first, then the config file, and defaults to auto', () => {
    expect(gcModeFrom({}, dir)).toBe('auto');
    expect(gcModeFrom({ POSTFLOW_GC: '' }, dir)).toBe('auto');
    expect(gcModeFrom({ POSTFLOW_GC: 'parallel' }, dir)).toBe('parallel');
    const file = join(dir, 'postflow.config.json');
    writeFileSync(file, JSON.stringify({ POSTFLOW_GC: 'single-threaded' }));
    expect(gcModeFrom({}, dir)).toBe('single-threaded');
    expect(gcModeFrom({ POSTFLOW_GC: 'parallel' }, dir)).toBe('parallel');
    expect(gcModeFrom({ POSTFLOW_CONFIG: join(dir, 'missing.json') }, dir)).toBeUndefined();
  });

  it('leaves a bad value to the configuration check, which names it', () => {
    expect(gcModeFrom({ POSTFLOW_GC: 'fast' }, '/nonexistent')).toBeUndefined();
    expect(() => loadConfig({ POSTFLOW_GC: 'fast' }, '/nonexistent')).toThrow(/POSTFLOW_GC: must be one of auto, single-threaded, parallel \(got "fast"\)/);
    expect(loadConfig({}, '/nonexistent').gc).toBe('auto');
  });
});
