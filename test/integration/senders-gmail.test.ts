// Gmail senders from a Workspace directory, through the real delivery worker and the real Google adapters, against
// the fake Google (token endpoint verifying the assertion, Gmail send, users.list) on one fake clock.
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { startTestServer, type TestServer } from '../support/runtime.js';
import { makeServiceAccountKey, startFakeGoogle, type FakeGoogle } from '../support/fake-google.js';
import { FakeClock } from '../support/fakes.js';

const DAY = 24 * 3600_000;

describe('gmail senders from a service account', () => {
  let google: FakeGoogle;
  let ts: TestServer;
  let clock: FakeClock;

  beforeEach(async () => {
    clock = new FakeClock();
    google = await startFakeGoogle({ clock });
    ts = await startTestServer({ POSTFLOW_DELIVERY_THREADS: '0', POSTFLOW_GOOGLE_API_URL: google.url, POSTFLOW_GOOGLE_TOKEN_URL: google.tokenUrl }, { clock });
  });
  afterEach(async () => {
    await ts.close();
    await google.stop();
  });

  const api = async (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) => {
    const res = await ts.app.inject({ method, url, headers: ts.auth, ...(payload === undefined ? {} : { payload: payload as object }) });
    return { status: res.statusCode, body: res.body ? res.json() : null };
  };
  // Deliver until nothing is due, stepping the clock 100 ms at a time past reserved rate slots (bounded).
  const run = async (untilMs: number): Promise<void> => {
    const end = clock.now() + untilMs;
    for (let i = 0; i < 10_000 && clock.now() <= end; i++) {
      while ((await ts.rt.worker.runOnce()) > 0);
      clock.advance(100);
    }
  };
  const perUser = () => {
    const n: Record<string, number> = {};
    for (const m of google.sent) n[m.user] = (n[m.user] ?? 0) + 1;
    return n;
  };
  async function account(users: string[], opts: { suspended?: string[] } = {}): Promise<string> {
    const key = makeServiceAccountKey();
    google.addServiceAccount(key);
    google.addUsers([...users.map((primaryEmail, i) => ({ primaryEmail, givenName: primaryEmail.split('@')[0], familyName: 'Test', isAdmin: i === 0 })), ...(opts.suspended ?? []).map((primaryEmail) => ({ primaryEmail, suspended: true }))]);
    const r = await api('POST', '/api/v1/service-accounts', { key, admin_email: users[0], account_type: 'workspace' });
    expect(r.status).toBe(201);
    return r.body.id;
  }
  const queue = async (n: number, pool: string, prefix = 'm'): Promise<string[]> => {
    const r = await api('POST', '/api/v1/emails/send-batch', { messages: Array.from({ length: n }, (_, i) => ({ to: `r${i}@example.net`, subject: `${prefix}${i}`, text: `message ${i}`, sender_pool: pool })) });
    expect(r.body.rejected).toEqual([]);
    return r.body.queued.map((q: { id: string }) => q.id);
  };

  it('3 Workspace users from a directory sync, a daily limit of 5, 20 messages: 15 sent, 5 each; 5 wait until the window frees', async () => {
    const sa = await account(['ann@corp.test', 'bob@corp.test', 'cy@corp.test'], { suspended: ['dan@corp.test'] });
    const synced = await api('GET', `/api/v1/service-accounts/${sa}`);
    expect(synced.body).toMatchObject({ senders: 3, synced_users: 4, last_sync_error: null });
    const senders = (await api('GET', `/api/v1/senders?service_account_id=${sa}`)).body.data;
    expect(senders.map((s: { email: string }) => s.email).sort()).toEqual(['ann@corp.test', 'bob@corp.test', 'cy@corp.test']);
    // Workspace defaults: 2,000 a day; Gmail's 15,000 units a minute at 100 a send = 150 a minute.
    expect(senders[0]).toMatchObject({ kind: 'gmail', daily_limit: 2000, per_minute: 150, state: 'active' });
    for (const s of senders) expect((await api('PATCH', `/api/v1/senders/${s.id}`, { daily_limit: 5 })).status).toBe(200);
    expect((await api('POST', '/api/v1/pools', { id: 'workspace', strategy: 'least_used', service_accounts: [sa] })).status).toBe(201);

    const ids = await queue(20, 'workspace');
    await run(10_000);
    expect(google.sent).toHaveLength(15);
    expect(perUser()).toEqual({ 'ann@corp.test': 5, 'bob@corp.test': 5, 'cy@corp.test': 5 });
    // Gmail parsed each as sent from its user.
    for (const m of google.sent) expect(m.parsed!.from!.value[0]!.address).toBe(m.user);
    // Each user's sends are spaced by its rate (150 a minute: 400 ms), so Google's per-user quota is never reached.
    for (const user of Object.keys(perUser())) {
      const at = google.sent.filter((m) => m.user === user).map((m) => m.at);
      for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(400);
    }
    const pool = (await api('GET', '/api/v1/pools/workspace')).body;
    expect(pool).toMatchObject({ state: 'exhausted', waiting: 5, remaining_today: 0 });

    clock.t = Date.parse(pool.next_free_at);
    expect(clock.t - google.sent[0]!.at).toBeGreaterThan(DAY - 60_000);
    await run(10_000);
    expect(google.sent).toHaveLength(20);
    for (const id of ids) expect((await api('GET', `/api/v1/emails/${id}`)).body).toMatchObject({ status: 'sent', transport: 'gmail' });
  });

  it('a user answered 429 "(Mail sending)" leaves rotation; a 403 rateLimitExceeded slows its whole account; nothing over quota, nothing lost', async () => {
    const a = await account(['a1@one.test', 'a2@one.test']);
    const b = await account(['b1@two.test']);
    await api('POST', '/api/v1/pools', { id: 'both', strategy: 'round_robin', service_accounts: [a, b] });
    // Google's own count says a1 has room for 2 more today (sends outside Postflow used the rest).
    google.setDailyLimit('a1@one.test', 2);
    const ids = await queue(30, 'both');
    await run(3_000);
    const a1 = (await api('GET', '/api/v1/senders')).body.data.find((s: { email: string }) => s.email === 'a1@one.test');
    expect(a1.state).toBe('exhausted');
    expect(a1.last_error).toMatch(/429.*Mail sending/);
    // "Retry after" names a time 24 h after a1's first accepted send; the sender is out until then.
    expect(Date.parse(a1.state_until)).toBeGreaterThan(clock.now() + DAY - 10 * 60_000);
    expect(perUser()['a1@one.test']).toBe(2);

    // Now the project behind account one hits its per-minute limit: every sender of that account cools down.
    const unscript = google.script({ user: 'a2@one.test', error: 'projectRateLimit', times: 1 });
    const more = await queue(10, 'both', 'later');
    const calls = google.sendCalls('a2@one.test');
    for (let i = 0; i < 100 && google.sendCalls('a2@one.test') === calls; i++) {
      while ((await ts.rt.worker.runOnce()) > 0);
      clock.advance(100);
    }
    unscript();
    const before = google.sent.length;
    const after = (await api('GET', '/api/v1/senders')).body.data;
    const state = (email: string) => after.find((s: { email: string }) => s.email === email);
    expect(state('a2@one.test').state).toBe('cooling_down');
    expect(state('a1@one.test').state).toBe('exhausted');
    expect(state('b1@two.test').state).toBe('active');
    const cooled = Date.parse(state('a2@one.test').state_until);
    // While account one cools down only b1 (the other account) sends.
    expect(cooled).toBeGreaterThan(clock.now() + 30_000);
    await run(Math.max(0, cooled - clock.now() - 1000));
    const during = google.sent.slice(before);
    expect(during.length).toBeGreaterThan(0);
    expect(during.every((m) => m.user === 'b1@two.test')).toBe(true);
    await run(120_000);

    // Nothing lost: every message sent exactly once; nothing over Google's limit for a1; re-routes did not use attempts.
    expect(google.sent).toHaveLength(40);
    expect(perUser()['a1@one.test']).toBe(2);
    for (const id of [...ids, ...more]) {
      const m = (await api('GET', `/api/v1/emails/${id}`)).body;
      expect(m).toMatchObject({ status: 'sent', attempts: 1 });
    }
    expect(new Set(google.sent.map((m) => m.parsed!.subject)).size).toBe(40);
  });

  it('re-syncs on schedule: new users become senders, suspended ones are paused, and not before the interval', async () => {
    const sa = await account(['boss@corp.test', 'eve@corp.test']);
    const sync = ts.rt.senders.directorySync;
    const calls = google.directoryCalls.length;
    expect(await sync.syncDue(60 * 60_000)).toBe(0);
    expect(google.directoryCalls.length).toBe(calls);
    google.addUsers([{ primaryEmail: 'new@corp.test' }, { primaryEmail: 'eve@corp.test', suspended: true }]);
    clock.advance(61 * 60_000);
    expect(await sync.syncDue(60 * 60_000)).toBe(1);
    const senders = (await api('GET', `/api/v1/senders?service_account_id=${sa}`)).body.data;
    const by = (email: string) => senders.find((x: { email: string }) => x.email === email);
    expect(by('new@corp.test')).toMatchObject({ state: 'active', kind: 'gmail' });
    expect(by('eve@corp.test')).toMatchObject({ state: 'paused', state_reason: 'directory: user suspended' });
    expect((await api('GET', `/api/v1/service-accounts/${sa}`)).body).toMatchObject({ senders: 3, synced_users: 3 });
  });
});
