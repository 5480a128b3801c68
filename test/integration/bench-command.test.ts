// `postflow bench` end to end, small: it starts its own Postflow and `postflow sink`, sends through the HTTP API and
// reports what it measured. Only that it works and reports coherent figures is checked here; how fast is measured
// under bench/ (bench/RESULTS.md), never in a test.
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/postflow.js', import.meta.url));

describe('postflow bench', () => {
  it('delivers every message through its own server and sink, and reports rates, CPU, RSS and latency', () => {
    // 250 in batches of 100: the last request is a partial batch.
    const r = spawnSync(process.execPath, [BIN, 'bench', '--messages', '250', '--batch', '100', '--workers', '2', '--batch-size', '50', '--timeout', '90', '--json'], { encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
    expect(out).toMatchObject({ messages: 250, sent: 250, notSent: {} });
    for (const k of ['acceptedPerSec', 'deliveredPerSec', 'serverCpuSeconds', 'serverPeakRssMiB']) expect(out[k], k).toBeGreaterThan(0);
    expect(out.sinkCpuSeconds).toBeGreaterThanOrEqual(0); // a number: read from /proc (10 ms ticks)
    expect(out.deliverSeconds as number).toBeGreaterThanOrEqual(out.acceptSeconds as number);
    // What was left when the last request was answered, and its rate since (null when nothing was left).
    expect(out.leftAtAcceptEnd as number).toBeGreaterThanOrEqual(0);
    expect(out.leftAtAcceptEnd as number).toBeLessThanOrEqual(250);
    if ((out.leftAtAcceptEnd as number) > 0) expect(out.drainPerSec).toBeCloseTo((out.leftAtAcceptEnd as number) / ((out.deliverSeconds as number) - (out.acceptSeconds as number)), 6);
    else expect(out.drainPerSec).toBeNull();
    expect(out.latencyP50Ms as number).toBeLessThanOrEqual(out.latencyP99Ms as number);
  });

  it('passes --node-args to the server, whose stdout then reaches stderr', () => {
    const r = spawnSync(process.execPath, [BIN, 'bench', '--messages', '100', '--batch', '100', '--workers', '1', '--batch-size', '100', '--timeout', '90', '--json', '--node-args', '--trace-gc --max-semi-space-size=4'], { encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim().split('\n').pop()!)).toMatchObject({ messages: 100, sent: 100 });
    expect(r.stderr).toMatch(/Scavenge|Mark-Compact/);
  });
});
