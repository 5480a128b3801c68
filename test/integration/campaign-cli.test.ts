// `postflow campaign …` as a user runs it: real CLI processes on the SQLite data dir of a running `postflow start`
// (which materialises and delivers to its capture outbox). Create, list, start, watch with `show`, duplicate,
// pause/resume/cancel, `--json` for scripts, and catalogue error codes with exit status 2.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, killHard, runCli, waitFor, type CliProcess } from '../support/process.js';

const KEY = 'pf_campaign_cli_test_0123456789abcdef';
const dataDir = mkdtempSync(join(tmpdir(), 'pf-campaign-cli-'));
let port: number;
let server: CliProcess;

const env = () => ({ POSTFLOW_DATA_DIR: dataDir, POSTFLOW_LOG_LEVEL: 'silent', POSTFLOW_PORT: String(port), POSTFLOW_ADMIN_KEY: KEY, POSTFLOW_DELIVERY_THREADS: '0' });

async function cli(args: string[]): Promise<{ code: number | null; out: string; json: any }> {
  const p = runCli(['campaign', ...args], env());
  const code = await p.exited;
  const out = p.output();
  let json: any = null;
  try {
    json = JSON.parse(out);
  } catch {
    // Not --json output.
  }
  return { code, out, json };
}

async function api(method: string, path: string, body?: unknown, type = 'application/json'): Promise<any> {
  const res = await fetch(`http://127.0.0.1:${port}/api/v1${path}`, {
    method, headers: { authorization: `Bearer ${KEY}`, ...(body === undefined ? {} : { 'content-type': type }) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return res.json();
}

beforeAll(async () => {
  port = await freePort();
  server = runCli(['start'], env());
  await waitFor('the server to answer', async () => (await fetch(`http://127.0.0.1:${port}/health`)).ok, 60_000);
  await api('POST', '/templates', { id: 'news', name: 'News', subject: 'News for {{ first_name }}', html: '<p>Hi {{ first_name }}</p>' });
  const rows = Array.from({ length: 20 }, (_, i) => `cli${i}@example.com,Cli${i}`).join('\n');
  const imp = await api('POST', '/contacts/import?tags=cli', `email,first_name\n${rows}\n`, 'text/csv');
  await waitFor('the import', async () => (await api('GET', `/contacts/imports/${imp.id}`)).state === 'completed', 30_000);
}, 120_000);

afterAll(async () => {
  if (server) {
    server.child.kill('SIGTERM');
    const stopped = await Promise.race([server.exited.then(() => true), new Promise((r) => setTimeout(() => r(false), 15_000))]);
    if (!stopped) await killHard(server);
  }
  rmSync(dataDir, { recursive: true, force: true });
});

describe('postflow campaign', () => {
  it('creates, lists, starts and shows a campaign the running server delivers; errors are catalogue codes, exit 2', async () => {
    const made = await cli(['create', '--name', 'CLI sale', '--template', 'news', '--tag', 'cli', '--rate-per-hour', '3600000', '--concurrency', '10', '--json']);
    expect(made.code).toBe(0);
    expect(made.json).toMatchObject({ name: 'CLI sale', status: 'draft', template_id: 'news', audience: { tags: ['cli'] }, rate_limit_per_hour: 3_600_000, concurrency: 10 });
    const id = made.json.id as string;

    const refused: Array<[string[], RegExp]> = [
      [['create', '--name', 'x', '--template', 'nope', '--tag', 'cli'], /^postflow campaign: TEMPLATE_NOT_FOUND: template_id: no template "nope"$/m],
      [['create', '--name', 'x', '--template', 'news', '--tag', 'cli', '--rate-per-hour', '0'], /^postflow campaign: VALIDATION_FAILED: rate_limit_per_hour: /m],
      [['create', '--name', 'x', '--template', 'news', '--tag', 'cli', '--segment', '01NOPE00000000000000000000'], /^postflow campaign: VALIDATION_FAILED: audience: give exactly one of segment_id, rule or tags/m],
      [['pause', id], /^postflow campaign: CAMPAIGN_INVALID_TRANSITION: /m],
      [['show', '01NOPE00000000000000000000'], /^postflow campaign: CAMPAIGN_NOT_FOUND: /m],
    ];
    for (const [args, message] of refused) {
      const r = await cli(args);
      expect({ args, code: r.code, out: r.out }).toEqual({ args, code: 2, out: expect.stringMatching(message) });
    }

    const listed = await cli(['list', '--json']);
    expect(listed.json.data.map((c: { id: string }) => c.id)).toEqual([id]);
    expect((await cli(['list'])).out).toMatch(new RegExp(`^${id}\\s+draft\\s+news\\s+tags cli\\s+\\S+ \\S+\\s+CLI sale$`, 'm'));

    const started = await cli(['start', id]);
    expect(started).toMatchObject({ code: 0, out: `${id} "CLI sale" is running\n` });
    await waitFor('the server to complete the campaign', async () => (await api('GET', `/campaigns/${id}`)).status === 'completed', 60_000);

    const shown = await cli(['show', id, '--json']);
    expect(shown.json.campaign).toMatchObject({ id, status: 'completed', template_version: 1 });
    expect(shown.json.stats).toMatchObject({ targeted: 20, sent: 20, queued: 0, failed: 0, bounced: 0, success_rate: 100, remaining: 0 });
    const text = (await cli(['show', id])).out;
    for (const line of [/^status\s+completed$/m, /^targeted\s+20$/m, /^sent\s+20$/m, /^failed\s+0$/m, /^success rate\s+100\.00 %$/m, /^throughput\s+[\d.]+\/min$/m, /^ETA\s+done$/m]) expect(text).toMatch(line);
  }, 240_000);

  it('pauses, resumes and cancels a campaign, and duplicates one as a new draft', async () => {
    const slow = await cli(['create', '--name', 'Slow', '--template', 'news', '--tag', 'cli', '--rate-per-hour', '1', '--concurrency', '1', '--json']);
    const id = slow.json.id as string;
    expect((await cli(['start', id])).out).toBe(`${id} "Slow" is running\n`);
    expect(await cli(['pause', id])).toMatchObject({ code: 0, out: `${id} "Slow" is paused\n` });
    expect((await api('GET', `/campaigns/${id}`)).status).toBe('paused');
    expect((await cli(['resume', id, '--json'])).json).toMatchObject({ id, status: 'running' });
    expect((await cli(['cancel', id])).out).toBe(`${id} "Slow" is cancelled\n`);
    const stats = await api('GET', `/campaigns/${id}/stats`);
    expect(stats).toMatchObject({ status: 'cancelled', targeted: 20 });
    // At 1 an hour, the first message at most went out before the cancel.
    expect(stats.sent).toBeLessThanOrEqual(1);

    const copy = await cli(['duplicate', id]);
    expect(copy.code).toBe(0);
    const copyId = /^duplicated \S+ as (\S+) \(draft\) "Slow \(copy\)"$/m.exec(copy.out)?.[1];
    expect(await api('GET', `/campaigns/${copyId}`)).toMatchObject({ status: 'draft', name: 'Slow (copy)', rate_limit_per_hour: 1, audience: { tags: ['cli'] } });
    expect((await cli(['list', '--status', 'cancelled', '--json'])).json.data.map((c: { id: string }) => c.id)).toEqual([id]);
  }, 240_000);
});
