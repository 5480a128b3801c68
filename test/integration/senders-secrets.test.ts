// Secrets over real processes: `postflow start` at log level trace registers a service account, syncs, fails a sync,
// sends through Gmail and through an SMTP relay with a password; the service-account key and the password appear in
// no API response, no log line (every line captured), and not in the database file (sealed at rest). Then
// `postflow capacity` reports on the pool. Needs dist/ (npm test builds first).
import { describe, it, expect, afterAll } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, killHard, runCli, waitFor, type CliProcess } from '../support/process.js';
import { makeServiceAccountKey, startFakeGoogle, type FakeGoogle } from '../support/fake-google.js';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server.js';

const ADMIN = 'pf_secrets_test_key_0123456789';
const PASSWORD = 'Relay-Pa55word-9f3b2c';
const dataDir = mkdtempSync(join(tmpdir(), 'pf-secrets-'));
let server: CliProcess | undefined;
let google: FakeGoogle | undefined;
let smtp: TestSmtpServer | undefined;
afterAll(async () => {
  if (server && server.child.exitCode === null) await killHard(server);
  await google?.stop();
  await smtp?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('secrets of senders', () => {
  it('never appear in API responses, log lines or the database file', async () => {
    google = await startFakeGoogle();
    smtp = await startSmtpServer({ auth: { user: 'relay-user', pass: PASSWORD } });
    const key = makeServiceAccountKey();
    google.addServiceAccount(key);
    google.addUsers([{ primaryEmail: 'admin@corp.test', isAdmin: true }, { primaryEmail: 'u1@corp.test' }, { primaryEmail: 'u2@corp.test' }]);

    const port = await freePort();
    const env = {
      POSTFLOW_DATA_DIR: dataDir, POSTFLOW_ADMIN_KEY: ADMIN, POSTFLOW_PORT: String(port), POSTFLOW_LOG_LEVEL: 'trace',
      POSTFLOW_GOOGLE_API_URL: google.url, POSTFLOW_GOOGLE_TOKEN_URL: google.tokenUrl, POSTFLOW_DELIVERY_THREADS: '0', POSTFLOW_IDLE_MS: '50',
    };
    server = runCli(['start'], env);
    const base = `http://127.0.0.1:${port}/api/v1`;
    await waitFor('postflow start', async () => (await fetch(`http://127.0.0.1:${port}/ready`)).ok);
    const bodies: string[] = [];
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${ADMIN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await res.text();
      bodies.push(text);
      return { status: res.status, json: text ? JSON.parse(text) : null };
    };

    // Refused keys, the private key inside each: the answers name the problem, never the key.
    expect((await call('POST', '/service-accounts', { key: JSON.stringify(key).slice(0, -10), admin_email: 'admin@corp.test' })).json.error.code).toBe('SERVICE_ACCOUNT_KEY_MALFORMED');
    expect((await call('POST', '/service-accounts', { key: { ...key, type: 'user' }, admin_email: 'admin@corp.test' })).json.error.code).toBe('SERVICE_ACCOUNT_KEY_NOT_SERVICE_ACCOUNT');
    expect((await call('POST', '/service-accounts', { key: { ...key, private_key: key.private_key.slice(0, 200) }, admin_email: 'admin@corp.test' })).json.error.code).toBe('SERVICE_ACCOUNT_KEY_BAD_PRIVATE_KEY');
    const sa = await call('POST', '/service-accounts', { key, admin_email: 'admin@corp.test' });
    expect(sa.status).toBe(201);
    expect(sa.json.sync).toMatchObject({ users: 3, created: 3 });
    await call('GET', '/service-accounts');
    // A sync Google refuses is logged (warn) with Google's reason.
    google.revokeTokens();
    google.failTokens({ status: 401, body: { error: 'unauthorized_client', error_description: 'Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.' } }, 3);
    expect((await call('POST', `/service-accounts/${sa.json.id}/sync`)).status).toBe(502);
    google.clear();

    expect((await call('POST', '/senders', { id: 'relay', kind: 'smtp', email: 'relay@senders.test', smtp_url: smtp.url({}, { user: 'relay-user', pass: PASSWORD }) })).status).toBe(201);
    expect((await call('POST', '/pools', { id: 'all', service_accounts: [sa.json.id], senders: ['relay'] })).status).toBe(201);
    // One Gmail failure on the way (the first Gmail send), logged with Google's answer.
    google.script({ error: 'backendError', times: 1 });
    const queued = await call('POST', '/emails/send-batch', { messages: Array.from({ length: 8 }, (_, i) => ({ to: `r${i}@example.com`, subject: `s${i}`, text: 't', sender_pool: 'all' })) });
    expect(queued.json.queued).toHaveLength(8);
    await waitFor('gmail and smtp sends', () => google!.sent.length + smtp!.received.length >= 7, 20_000);
    await call('GET', '/senders');
    await call('GET', '/pools/all');

    // `postflow capacity` on the same data dir, while the server runs.
    const cap = runCli(['capacity', '--pool', 'all', '--messages', '5000', '--json'], { POSTFLOW_DATA_DIR: dataDir });
    expect(await cap.exited).toBe(0);
    const report = JSON.parse(cap.output());
    expect(report).toMatchObject({ pool: 'all', senders: 4, usable_senders: 4, accounts: 1, daily_capacity: null, messages: 5000 });
    expect(report.measured_per_second).toBeGreaterThan(0);
    const unknown = runCli(['capacity', '--pool', 'ghost'], { POSTFLOW_DATA_DIR: dataDir });
    expect(await unknown.exited).toBe(2);
    expect(unknown.output()).toMatch(/POOL_NOT_FOUND/);

    server.child.kill('SIGTERM');
    await server.exited;
    const log = server.output();
    // The log is not empty: the sync, its failure, the sends and the Gmail error are all there.
    for (const msg of ['directory synced', 'directory sync failed', 'sent']) expect(log).toContain(`"msg":"${msg}"`);
    expect(log).toMatch(/backendError|Backend Error/);

    const pemLines = key.private_key.split('\n').filter((l) => l.length >= 40 && !l.startsWith('-----'));
    const der = Buffer.from(pemLines.join(''), 'base64');
    const forbidden = [
      ...pemLines,
      JSON.stringify(key.private_key).slice(1, 120), // the key as JSON text (\n escaped)
      Buffer.from(key.private_key).toString('base64').slice(0, 120),
      Buffer.from(JSON.stringify(key)).toString('base64').slice(0, 120),
      Buffer.from(JSON.stringify(key)).toString('base64url').slice(40, 160),
      der.toString('hex').slice(0, 64),
      PASSWORD,
      encodeURIComponent(PASSWORD),
    ];
    const haystacks = { log, responses: bodies.join('\n') };
    for (const [where, text] of Object.entries(haystacks)) {
      for (const f of forbidden) expect(text.includes(f), `${where} contains a secret fragment`).toBe(false);
    }
    // At rest: the SQLite file and its WAL hold the sealed forms only.
    const files = readdirSync(dataDir).filter((f) => f.startsWith('postflow.db'));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const bytes = readFileSync(join(dataDir, f)).toString('latin1');
      for (const frag of [pemLines[1]!, PASSWORD]) expect(bytes.includes(frag), `${f} holds a secret in clear`).toBe(false);
    }
  });
});
