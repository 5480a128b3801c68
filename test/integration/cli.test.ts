// The CLI as a user runs it: real processes, real exit codes.
import { describe, it, expect, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/process.js';

const dataDir = mkdtempSync(join(tmpdir(), 'pf-cli-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

async function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; out: string }> {
  const p = runCli(args, { POSTFLOW_DATA_DIR: dataDir, POSTFLOW_LOG_LEVEL: 'silent', ...env });
  const code = await p.exited;
  return { code, out: p.output() };
}

describe('postflow CLI', () => {
  it('migrates once, then reports the schema up to date', async () => {
    expect(await cli(['migrate'])).toMatchObject({ code: 0, out: expect.stringContaining('applied: 0001_core') });
    expect(await cli(['migrate'])).toMatchObject({ code: 0, out: expect.stringContaining('nothing to apply') });
  });

  it('queues a message with `send`, and refuses a bad one with its code and exit status 2', async () => {
    const ok = await cli(['send', '--to', 'ann@example.com', '--subject', 'Hi {{ who }}', '--html', '<p>Hi {{ who }}</p>', '--var', 'who=Ann', '--priority', 'high']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.out)).toMatchObject({ status: 'queued', duplicate: false });
    const bad = await cli(['send', '--to', 'not-an-address', '--subject', 's', '--html', 'h']);
    expect(bad.code).toBe(2);
    expect(bad.out).toMatch(/VALIDATION_FAILED: to: is not an email address/);
  });

  it('refuses an invalid configuration naming each variable, exit status 78', async () => {
    const r = await cli(['start'], { POSTFLOW_PORT: 'eighty', POSTFLOW_WORKERS: '-1' });
    expect(r.code).toBe(78);
    expect(r.out).toMatch(/POSTFLOW_PORT: must be a whole number/);
    expect(r.out).toMatch(/POSTFLOW_WORKERS: must be a whole number/);
  });
});
