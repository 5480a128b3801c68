// The senders, pools and service-accounts API: bad input gets a coded 4xx naming the field and writes nothing;
// credentials never come back out.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startTestServer, type TestServer } from '../support/runtime.js';
import { makeServiceAccountKey, startFakeGoogle, type FakeGoogle } from '../support/fake-google.js';
import { FakeClock } from '../support/fakes.js';

describe('senders API', () => {
  let ts: TestServer;
  let google: FakeGoogle;
  const clock = new FakeClock();

  beforeAll(async () => {
    google = await startFakeGoogle({ clock });
    ts = await startTestServer({ POSTFLOW_DELIVERY_THREADS: '0', POSTFLOW_GOOGLE_API_URL: google.url, POSTFLOW_GOOGLE_TOKEN_URL: google.tokenUrl }, { clock });
  });
  afterAll(async () => {
    await ts.close();
    await google.stop();
  });

  const api = async (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) => {
    const res = await ts.app.inject({ method, url, headers: ts.auth, ...(payload === undefined ? {} : { payload: payload as object }) });
    return { status: res.statusCode, body: res.body ? res.json() : null, raw: res.body };
  };
  const smtp = (id: string, over: Record<string, unknown> = {}) => ({ id, kind: 'smtp', email: `${id}@senders.test`, smtp_url: 'smtp://mailer:s3cr3t-Pa55@127.0.0.1:2525', ...over });

  it('refuses an invalid time zone, bad hours, a missing relay, a bad relay URL and header injection, writing nothing', async () => {
    const cases: Array<[Record<string, unknown>, number, string, string]> = [
      [smtp('tz', { window: { days: [1, 2, 3], start: '09:00', end: '17:00', time_zone: 'Mars/Olympus_Mons' } }), 400, 'VALIDATION_FAILED', 'window.time_zone'],
      [smtp('hh', { window: { days: [1], start: '9am', end: '17:00', time_zone: 'Europe/Paris' } }), 400, 'VALIDATION_FAILED', 'window.start'],
      [{ id: 'norelay', kind: 'smtp', email: 'a@b.test' }, 400, 'VALIDATION_FAILED', 'smtp_url'],
      [smtp('scheme', { smtp_url: 'http://host:25' }), 400, 'VALIDATION_FAILED', 'smtp_url'],
      [smtp('setting', { smtp_url: 'smtp://u:p@host:25?bogus=1' }), 400, 'VALIDATION_FAILED', 'smtp_url'],
      [smtp('crlf', { from_name: 'Evil\r\nBcc: x@y.test' }), 400, 'HEADER_INJECTION', 'from_name'],
      [smtp('addr', { email: 'not-an-address' }), 400, 'VALIDATION_FAILED', 'email'],
      [{ id: 'g', kind: 'gmail', email: 'g@corp.test' }, 400, 'VALIDATION_FAILED', 'service_account_id'],
      [{ id: 'g2', kind: 'gmail', email: 'g@corp.test', service_account_id: 'nope' }, 404, 'SERVICE_ACCOUNT_NOT_FOUND', 'service_account_id'],
      [{ id: 'ses', kind: 'ses', email: 'x@ses.test' }, 400, 'VALIDATION_FAILED', 'ses'],
      [smtp('lim', { daily_limit: 0 }), 400, 'VALIDATION_FAILED', 'daily_limit'],
      [smtp('extra', { password: 'x' }), 400, 'VALIDATION_FAILED', 'password'],
    ];
    for (const [body, status, code, field] of cases) {
      const r = await api('POST', '/api/v1/senders', body);
      expect({ id: body.id, status: r.status, code: r.body.error?.code, field: r.body.error?.field }).toEqual({ id: body.id, status, code, field });
      expect(r.raw).not.toContain('s3cr3t');
    }
    expect((await api('GET', '/api/v1/senders')).body.data).toEqual([]);
  });

  it('seals an SMTP password: shown nowhere, the relay described without it; a repeated id is SENDER_EXISTS', async () => {
    const created = await api('POST', '/api/v1/senders', smtp('relay1', { daily_limit: 100, per_second: 5, warmup: { initial: 10, growth: 2, max: 100 }, window: { days: [1, 2, 3, 4, 5], start: '22:00', end: '06:00', time_zone: 'America/New_York' } }));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ relay: 'smtp://mailer@127.0.0.1:2525', daily_limit: 100, per_second: 5, window: { time_zone: 'America/New_York', start: '22:00' }, usage: { limit_now: 10, used_24h: 0, remaining: 10 } });
    for (const r of [created, await api('GET', '/api/v1/senders'), await api('GET', '/api/v1/senders/relay1'), await api('PATCH', '/api/v1/senders/relay1', { smtp_url: 'smtp://mailer:An0ther-s3cr3t@127.0.0.1:2526' })]) {
      expect(r.raw).not.toMatch(/s3cr3t|Pa55/);
    }
    expect((await api('GET', '/api/v1/senders/relay1')).body.relay).toBe('smtp://mailer@127.0.0.1:2526');
    expect((await api('POST', '/api/v1/senders', smtp('relay1'))).body.error).toMatchObject({ code: 'SENDER_EXISTS', field: 'id' });
    expect((await api('PATCH', '/api/v1/senders/relay1', { window: { days: [1], start: '09:00', end: '10:00', time_zone: 'Not/AZone' } })).body.error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'window.time_zone' });
    expect((await api('PATCH', '/api/v1/senders/relay1', { ses: { region: 'eu-west-1', access_key_id: 'a', secret_access_key: 'b' } })).body.error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'ses' });
    expect((await api('GET', '/api/v1/senders/relay1')).body.window.time_zone).toBe('America/New_York');
    expect((await api('GET', '/api/v1/senders/ghost')).body.error.code).toBe('SENDER_NOT_FOUND');
  });

  it('refuses pools with no senders, unknown members and duplicates; unknown or empty pools on send; deleting a pool in use', async () => {
    await api('POST', '/api/v1/senders', smtp('p1'));
    expect((await api('POST', '/api/v1/pools', { id: 'none', senders: [] })).body.error).toMatchObject({ code: 'POOL_EMPTY', field: 'senders' });
    expect((await api('POST', '/api/v1/pools', { id: 'none' })).body.error.code).toBe('POOL_EMPTY');
    expect((await api('POST', '/api/v1/pools', { id: 'bad', senders: ['p1', 'ghost'] })).body.error).toMatchObject({ code: 'SENDER_NOT_FOUND', field: 'senders[1]' });
    expect((await api('POST', '/api/v1/pools', { id: 'dup', senders: ['p1', { id: 'p1', weight: 2 }] })).body.error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'senders[1]' });
    expect((await api('POST', '/api/v1/pools', { id: 'sa', service_accounts: ['ghost'] })).body.error).toMatchObject({ code: 'SERVICE_ACCOUNT_NOT_FOUND', field: 'service_accounts[0]' });
    expect((await api('POST', '/api/v1/pools', { id: 'Bad Id', senders: ['p1'] })).body.error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'id' });
    expect((await api('GET', '/api/v1/pools')).body.data).toEqual([]);

    const unknown = await api('POST', '/api/v1/emails/send', { to: 'ann@example.com', subject: 's', text: 't', sender_pool: 'ghost' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatchObject({ code: 'POOL_NOT_FOUND', field: 'sender_pool' });
    const batch = await api('POST', '/api/v1/emails/send-batch', { messages: [{ to: 'a@example.com', subject: 's', text: 't' }, { to: 'b@example.com', subject: 's', text: 't', sender_pool: 'ghost' }] });
    expect(batch.body.rejected).toEqual([{ index: 1, code: 'POOL_NOT_FOUND', field: 'messages[1].sender_pool', message: 'messages[1].sender_pool: no sender pool "ghost"' }]);

    expect((await api('POST', '/api/v1/pools', { id: 'solo', senders: ['p1'] })).status).toBe(201);
    const queued = await api('POST', '/api/v1/emails/send', { to: 'ann@example.com', subject: 's', text: 't', sender_pool: 'solo' });
    expect(queued.status).toBe(202);
    expect((await api('DELETE', '/api/v1/pools/solo')).body.error).toMatchObject({ code: 'POOL_IN_USE' });
    await api('DELETE', `/api/v1/emails/${queued.body.id}`);
    // The pool loses its only sender: sending to it is POOL_EMPTY (once the accept path's 2-second cache has passed).
    expect((await api('DELETE', '/api/v1/senders/p1')).status).toBe(204);
    clock.advance(3000);
    const empty = await api('POST', '/api/v1/emails/send', { to: 'ann@example.com', subject: 's', text: 't', sender_pool: 'solo' });
    expect(empty.status).toBe(422);
    expect(empty.body.error).toMatchObject({ code: 'POOL_EMPTY', field: 'sender_pool' });
    expect((await api('GET', '/api/v1/pools/solo')).body).toMatchObject({ state: 'empty', waiting: 0 });
    expect((await api('DELETE', '/api/v1/pools/solo')).status).toBe(204);
    expect((await api('GET', '/api/v1/pools/solo')).body.error.code).toBe('POOL_NOT_FOUND');
  });

  it('refuses malformed keys with their codes and writes nothing; a registered key never comes back', async () => {
    const key = makeServiceAccountKey();
    const { private_key: _omit, ...noPrivate } = key;
    const cases: Array<[unknown, string, string]> = [
      ['{"type": "service_account", "private_key": "-----BEGIN', 'SERVICE_ACCOUNT_KEY_MALFORMED', 'key'],
      [noPrivate, 'SERVICE_ACCOUNT_KEY_MISSING_FIELD', 'key.private_key'],
      [{ ...key, type: 'authorized_user' }, 'SERVICE_ACCOUNT_KEY_NOT_SERVICE_ACCOUNT', 'key.type'],
      [{ ...key, private_key: 'not a pem' }, 'SERVICE_ACCOUNT_KEY_BAD_PRIVATE_KEY', 'key.private_key'],
    ];
    for (const [k, code, field] of cases) {
      const r = await api('POST', '/api/v1/service-accounts', { key: k, admin_email: 'admin@corp.test' });
      expect(r.status).toBe(400);
      expect(r.body.error).toMatchObject({ code, field });
      for (const line of key.private_key.split('\n').filter((l) => l.length > 20 && !l.startsWith('-----'))) expect(r.raw).not.toContain(line);
    }
    expect((await api('POST', '/api/v1/service-accounts', { key, admin_email: 'not an address' })).body.error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'admin_email' });
    expect((await api('GET', '/api/v1/service-accounts')).body.data).toEqual([]);

    google.addServiceAccount(key);
    google.addUsers([{ primaryEmail: 'admin@corp.test', isAdmin: true }, { primaryEmail: 'u1@corp.test' }]);
    const created = await api('POST', '/api/v1/service-accounts', { key: JSON.stringify(key), admin_email: 'admin@corp.test', account_type: 'workspace_trial' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ client_email: key.client_email, key_id: key.private_key_id, senders: 2, sync: { users: 2, created: 2 } });
    expect((await api('POST', '/api/v1/service-accounts', { key, admin_email: 'admin@corp.test' })).body.error).toMatchObject({ code: 'SERVICE_ACCOUNT_EXISTS' });
    const trial = (await api('GET', `/api/v1/senders?service_account_id=${created.body.id}`)).body.data;
    expect(trial.map((s: { daily_limit: number }) => s.daily_limit)).toEqual([500, 500]);
    const pem = key.private_key.split('\n').filter((l) => l.length > 20 && !l.startsWith('-----'));
    const responses = [created, await api('GET', '/api/v1/service-accounts'), await api('GET', `/api/v1/service-accounts/${created.body.id}`), await api('POST', `/api/v1/service-accounts/${created.body.id}/sync`), await api('GET', '/api/v1/senders')];
    for (const r of responses) {
      for (const line of pem) expect(r.raw).not.toContain(line);
      expect(r.raw).not.toContain('private_key"');
    }
    // A failed listing is reported, coded, and changes nothing.
    google.addUsers([{ primaryEmail: 'u2@corp.test' }]);
    google.revokeTokens();
    google.failTokens({ status: 401, body: { error: 'unauthorized_client', error_description: 'Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.' } }, 5);
    const failed = await api('POST', `/api/v1/service-accounts/${created.body.id}/sync`);
    expect(failed.status).toBe(502);
    expect(failed.body.error.code).toBe('DIRECTORY_SYNC_FAILED');
    expect(failed.body.error.message).toMatch(/unauthorized/i);
    google.clear();
    expect((await api('GET', `/api/v1/service-accounts/${created.body.id}`)).body).toMatchObject({ senders: 2, last_sync_error: expect.stringMatching(/unauthorized/i) });
    expect((await api('DELETE', `/api/v1/service-accounts/${created.body.id}`)).status).toBe(204);
    expect((await api('GET', `/api/v1/senders?service_account_id=${created.body.id}`)).body.data).toEqual([]);
  });

  it('reports capacity for a pool and refuses an unknown one', async () => {
    for (const id of ['c1', 'c2']) await api('POST', '/api/v1/senders', smtp(id, { daily_limit: 1000, per_second: 2 }));
    await api('POST', '/api/v1/pools', { id: 'cap', senders: ['c1', 'c2'] });
    const r = await api('GET', '/api/v1/senders/capacity?pool=cap&messages=3000');
    expect(r.body).toMatchObject({ pool: 'cap', senders: 2, remaining_today: 2000, daily_capacity: 2000, formula: '2 senders × 1,000/day = 2,000/day', rate_ceiling_per_second: 4, measured_per_second: null, messages: 3000 });
    // 2,000 today at 4/s; the last 1,000 wait for the window at 2,000 a day: half a day.
    expect(r.body.eta_seconds).toBe(43_200);
    expect((await api('GET', '/api/v1/senders/capacity?pool=ghost')).body.error).toMatchObject({ code: 'POOL_NOT_FOUND', field: 'pool' });
    expect((await api('GET', '/api/v1/senders/capacity?messages=-1')).body.error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'messages' });
  });

  it('documents every route in the OpenAPI document, with no credential in any response schema', async () => {
    const doc = (await ts.app.inject({ url: '/api/v1/openapi.json' })).json();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining([
      '/api/v1/senders', '/api/v1/senders/{id}', '/api/v1/senders/{id}/pause', '/api/v1/senders/{id}/resume', '/api/v1/senders/capacity',
      '/api/v1/pools', '/api/v1/pools/{id}', '/api/v1/service-accounts', '/api/v1/service-accounts/{id}', '/api/v1/service-accounts/{id}/sync',
    ]));
    const names = new Set<string>();
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') {
        for (const [k, x] of Object.entries(v)) {
          if (k === 'properties') Object.keys(x as object).forEach((n) => names.add(n));
          walk(x);
        }
      }
    };
    for (const path of ['/api/v1/senders', '/api/v1/senders/{id}', '/api/v1/service-accounts', '/api/v1/service-accounts/{id}']) {
      for (const op of Object.values(doc.paths[path] as Record<string, { responses: unknown }>)) walk(op.responses);
    }
    expect(names.has('relay') && names.has('client_email')).toBe(true);
    for (const secret of ['key', 'private_key', 'smtp_url', 'secret_access_key', 'sealed_key', 'sealed_secret']) expect(names.has(secret), secret).toBe(false);
    expect(JSON.stringify(doc.paths['/api/v1/emails/send'].post)).toContain('sender_pool');
  });
});
