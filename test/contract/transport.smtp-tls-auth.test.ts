// SMTP-only behaviour the shared transport contract cannot express (other transports have no STARTTLS, AUTH,
// SIZE, SMTPUTF8 or connection pool): each case against a real smtp-server on 127.0.0.1, port 0.
import { describe, it, expect, afterEach } from 'vitest';
import { inspect } from 'node:util';
import { SmtpTransport } from '../../src/adapters/transports/smtp/smtp-transport.js';
import { parseSmtpUrl } from '../../src/adapters/transports/smtp/smtp-options.js';
import type { SendOutcome } from '../../src/ports/transport.js';
import { selfSignedCert, startSmtpServer, type SmtpServerOptions, type TestSmtpServer } from '../support/smtp-server.js';
import { describeTransportContract, testMessage } from './transport-contract.js';

const cert = selfSignedCert();
const noCert = cert === null;
if (noCert) process.stderr.write('skipping TLS tests: the openssl CLI is not available to make a test certificate\n');

let server: TestSmtpServer | null = null;
let transport: SmtpTransport | null = null;
afterEach(async () => {
  await transport?.close();
  await server?.stop();
  transport = null;
  server = null;
});

async function setup(opts: SmtpServerOptions, query: Record<string, string | number | boolean> = {}, creds?: { user: string; pass: string }, extra = {}): Promise<{ s: TestSmtpServer; t: SmtpTransport }> {
  server = await startSmtpServer(opts);
  transport = SmtpTransport.fromUrl(server.url(query, creds), extra);
  return { s: server, t: transport };
}

const failed = (o: SendOutcome | undefined): (SendOutcome & { ok: false }) => {
  expect(o?.ok, JSON.stringify(o)).toBe(false);
  return o as SendOutcome & { ok: false };
};

// The whole contract again over STARTTLS with a verified certificate (the test CA is trusted, nothing is relaxed).
describeTransportContract('smtp over STARTTLS', async () => {
  const s = await startSmtpServer({ tls: cert!, rules: [{ match: /^refuse/, code: 550, message: '5.1.1 No such user' }] });
  return {
    transport: SmtpTransport.fromUrl(s.url({ starttls: 'required', max_connections: 3 }), { tlsCa: cert!.cert }),
    delivered: async () => s.received.map((r) => {
      expect(r.secure).toBe(true);
      return { raw: r.raw, envelope: { from: r.from, to: r.to } };
    }),
    refusedPrefix: 'refuse',
    openConnections: s.open,
    cleanup: s.stop,
  };
}, noCert);

describe.skipIf(noCert)('smtp transport: TLS', () => {
  it('upgrades with STARTTLS when offered (opportunistic, the default)', async () => {
    const { s, t } = await setup({ tls: cert! }, { tls_reject_unauthorized: false });
    expect((await t.sendBatch([testMessage(1)]))[0]!.ok).toBe(true);
    expect(s.received[0]!.secure).toBe(true);
  });

  it('refuses a certificate it cannot verify, by default, as a transient failure naming TLS', async () => {
    const { s, t } = await setup({ tls: cert! });
    const o = failed((await t.sendBatch([testMessage(1)]))[0]);
    expect(o.permanent).toBe(false);
    expect(o.response).toMatch(/TLS with smtp:\/\/127\.0\.0\.1:\d+ failed: .*(self.signed|certificate)/i);
    expect(s.received).toHaveLength(0);
  });

  it('speaks implicit TLS for smtps://', async () => {
    const { s, t } = await setup({ tls: cert!, implicitTls: true }, {}, undefined, { tlsCa: cert!.cert });
    expect(t.relay).toMatch(/^smtps:\/\//);
    expect((await t.sendBatch([testMessage(1), testMessage(2)])).every((o) => o.ok)).toBe(true);
    expect(s.received.map((r) => r.secure)).toEqual([true, true]);
  });

  it('with starttls=required, fails (transiently) against a relay that offers no STARTTLS', async () => {
    const { s, t } = await setup({}, { starttls: 'required' });
    const o = failed((await t.sendBatch([testMessage(1)]))[0]);
    expect(o).toMatchObject({ permanent: false });
    expect(o.response).toMatch(/does not offer STARTTLS/);
    expect(s.received).toHaveLength(0);
  });

  it('with starttls=off, stays in clear text even when STARTTLS is offered', async () => {
    const { s, t } = await setup({ tls: cert! }, { starttls: 'off' });
    expect((await t.sendBatch([testMessage(1)]))[0]!.ok).toBe(true);
    expect(s.received[0]!.secure).toBe(false);
  });
});

describe('smtp transport: AUTH', () => {
  const creds = { user: 'relay-user', pass: 's3cr:et/p@ss wörd' };

  it('authenticates with AUTH PLAIN', async () => {
    const { s, t } = await setup({ auth: { ...creds, methods: ['PLAIN'] } }, {}, creds);
    expect((await t.sendBatch([testMessage(1)]))[0]!.ok).toBe(true);
    expect(s.received[0]!.user).toBe('relay-user');
  });

  it('falls back to AUTH LOGIN when that is all the relay offers', async () => {
    const { s, t } = await setup({ auth: { ...creds, methods: ['LOGIN'] } }, {}, creds);
    expect((await t.sendBatch([testMessage(1), testMessage(2)])).every((o) => o.ok)).toBe(true);
    expect(s.received.map((r) => r.user)).toEqual(['relay-user', 'relay-user']);
  });

  it.skipIf(noCert)('authenticates after STARTTLS', async () => {
    const { s, t } = await setup({ tls: cert!, auth: creds }, { starttls: 'required' }, creds, { tlsCa: cert!.cert });
    expect((await t.sendBatch([testMessage(1)]))[0]!.ok).toBe(true);
    expect(s.received[0]).toMatchObject({ user: 'relay-user', secure: true });
  });

  it('reports refused credentials as transient (not the recipient\'s fault), never showing the password', async () => {
    const { s, t } = await setup({ auth: creds }, {}, { user: creds.user, pass: 'wrong-password' });
    const outcomes = await t.sendBatch([testMessage(1), testMessage(2)]);
    for (const o of outcomes) {
      const f = failed(o);
      expect(f).toMatchObject({ permanent: false, code: 535 });
      expect(f.response).toMatch(/refused AUTH: 535 5\.7\.8/);
      expect(JSON.stringify(f)).not.toContain('wrong-password');
    }
    expect(s.received).toHaveLength(0);
  });

  it('refuses to send a password in clear text to a non-loopback relay', async () => {
    // allow_insecure_auth=false stands in for a remote host: loopback relays are trusted by default.
    const { s, t } = await setup({ auth: creds }, { allow_insecure_auth: false }, creds);
    const f = failed((await t.sendBatch([testMessage(1)]))[0]);
    expect(f.response).toMatch(/refusing to send the password .* without TLS/);
    expect(s.received).toHaveLength(0);
  });

  it('keeps the password out of logs, JSON and errors', () => {
    const o = parseSmtpUrl('smtp://user:hunter2@relay.example:2525');
    const t = new SmtpTransport(o);
    for (const shown of [inspect(o, { depth: 5 }), JSON.stringify(o), String(o.auth), t.relay, inspect(t, { depth: 5 })]) expect(shown).not.toContain('hunter2');
    expect(o.auth!.password()).toBe('hunter2');
    expect(() => parseSmtpUrl('smtp://user:hunter2@relay.example?bogus=1')).toThrow(/unknown setting "bogus"/);
    try {
      parseSmtpUrl('smtp://user:hunter2@relay.example?max_connections=0');
    } catch (err) {
      expect((err as Error).message).not.toContain('hunter2');
    }
  });
});

describe('smtp transport: relay limits and pooling', () => {
  it('fails a message over the relay\'s SIZE limit without sending it, and sends the others', async () => {
    const { s, t } = await setup({ size: 2000 });
    const big = testMessage(1, ['x'.repeat(70)].concat(Array.from({ length: 40 }, () => 'y'.repeat(70))));
    const [a, b] = await t.sendBatch([big, testMessage(2)]);
    expect(failed(a)).toMatchObject({ permanent: true, code: 552, enhancedCode: '5.3.4' });
    expect(b!.ok).toBe(true);
    expect(s.received).toHaveLength(1);
  });

  it('uses SMTPUTF8 for a non-ASCII envelope when the relay offers it', async () => {
    const { s, t } = await setup({});
    const m = testMessage(1, undefined, 'zoë@exämple.test');
    expect((await t.sendBatch([m]))[0]!.ok).toBe(true);
    expect(s.received[0]!.to).toEqual(['zoë@exämple.test']);
  });

  it('refuses envelope addresses that would inject commands', async () => {
    const { s, t } = await setup({});
    const m = testMessage(1);
    m.envelope.to = ['a@b.test>\r\nRCPT TO:<evil@c.test'];
    const [o, ok] = await t.sendBatch([m, testMessage(2)]);
    expect(failed(o)).toMatchObject({ permanent: true, code: 501 });
    expect(ok!.ok).toBe(true);
    expect(s.received.flatMap((r) => r.to)).toEqual(['user2@example.com']);
  });

  it('delivers to the accepted recipients when some are refused, and says which were refused', async () => {
    const { s, t } = await setup({ rules: [{ match: /^nobody@/, code: 550, message: '5.1.1 No such user' }] });
    const m = testMessage(1);
    m.envelope.to = ['a@example.com', 'nobody@example.com'];
    const [o] = await t.sendBatch([m]);
    expect(o).toMatchObject({ ok: true });
    expect(o!.ok && o!.response).toMatch(/refused recipients: nobody@example.com: 550 5\.1\.1 No such user/);
    expect(s.received[0]!.to).toEqual(['a@example.com']);
  });

  it('takes the queue id from the 250 reply as providerMessageId', async () => {
    const { t } = await setup({});
    const [o] = await t.sendBatch([testMessage(1)]);
    expect(o).toMatchObject({ ok: true, providerMessageId: 'Q1', response: '250 2.0.0 Ok: queued as Q1' });
  });

  it('opens at most max_connections and replaces a connection after max_messages_per_connection', async () => {
    const { s, t } = await setup({}, { max_connections: 2, max_messages_per_connection: 5 });
    const outcomes = await t.sendBatch(Array.from({ length: 20 }, (_, i) => testMessage(i)));
    expect(outcomes.every((o) => o.ok)).toBe(true);
    const perConnection = new Map<number, number>();
    for (const r of s.received) perConnection.set(r.connection, (perConnection.get(r.connection) ?? 0) + 1);
    expect([...perConnection.values()].every((n) => n <= 5)).toBe(true);
    expect(s.connections()).toBeGreaterThanOrEqual(4);
    expect(s.open()).toBeLessThanOrEqual(2);
  });

  it('keeps connections open between batches', async () => {
    const { s, t } = await setup({}, { max_connections: 2 });
    expect((await t.sendBatch(Array.from({ length: 10 }, (_, i) => testMessage(i)))).every((o) => o.ok)).toBe(true);
    const before = s.connections();
    expect(before).toBeLessThanOrEqual(2);
    for (let b = 0; b < 3; b++) expect((await t.sendBatch([testMessage(100 + b), testMessage(200 + b)])).every((o) => o.ok)).toBe(true);
    expect(s.connections()).toBe(before);
    expect(s.received).toHaveLength(16);
  });

  it('resets the transaction after a refusal and carries on with the same connection', async () => {
    const { s, t } = await setup({ rules: [{ match: /^bad/, code: 550, message: '5.1.1 No such user' }] }, { max_connections: 1 });
    const batch = [testMessage(1), testMessage(2, undefined, 'bad@example.com'), testMessage(3), testMessage(4, undefined, 'bad2@example.com'), testMessage(5)];
    const outcomes = await t.sendBatch(batch);
    expect(outcomes.map((o) => o.ok)).toEqual([true, false, true, false, true]);
    expect(failed(outcomes[1])).toMatchObject({ permanent: true, code: 550, enhancedCode: '5.1.1', response: '550 5.1.1 No such user' });
    expect(s.connections()).toBe(1);
    expect(s.received.map((r) => r.to[0])).toEqual(['user1@example.com', 'user3@example.com', 'user5@example.com']);
  });
});

describe('smtp transport: wiring', () => {
  it('is what the runtime uses when POSTFLOW_SMTP_URL is set: API → store → worker → relay', async () => {
    const { startTestServer } = await import('../support/runtime.js');
    server = await startSmtpServer({});
    const rt = await startTestServer({ POSTFLOW_SMTP_URL: server.url({ max_connections: 2 }) }, { startWorkers: true });
    try {
      expect(rt.rt.transport.name).toBe('smtp');
      const res = await rt.app.inject({ method: 'POST', url: '/api/v1/emails/send', headers: rt.auth, payload: { to: 'Ann <ann@example.com>', subject: 'Hi', text: 'Hello\n.dotted line' } });
      expect(res.statusCode).toBe(202);
      const id = res.json().id as string;
      const until = Date.now() + 5000;
      while ((await rt.rt.store.getMessage(id))!.status !== 'sent' && Date.now() < until) await new Promise((r) => setTimeout(r, 25));
      expect(await rt.rt.store.getMessage(id)).toMatchObject({ status: 'sent' });
      expect(server.received).toHaveLength(1);
      expect(server.received[0]!.to).toEqual(['ann@example.com']);
      expect(server.received[0]!.raw.toString()).toMatch(/\r\n\.dotted line\r\n/);
    } finally {
      await rt.close();
    }
  });
});
