// The transport contract against the fake Google (test/support/fake-google.ts: real token exchange with a
// verified RS256 assertion, Gmail's send endpoint decoding and parsing the raw MIME), then the Gmail-only
// behaviour the shared contract cannot express: tokens shared and renewed, Google's documented error answers
// turned into SendOutcomes with sender signals, the per-user concurrency limit. Gmail takes recipients from the
// headers, so `delivered()` has no envelope; no connection count is checked after close() because every
// GmailTransport shares one process-wide keep-alive pool whose idle sockets close by themselves (ADR 0015).
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { GoogleTokenProvider } from '../../src/adapters/google/google-token-provider.js';
import { GmailTransport } from '../../src/adapters/transports/gmail/gmail-transport.js';
import type { SendOutcome } from '../../src/ports/transport.js';
import { FakeClock } from '../support/fakes.js';
import { freePort } from '../support/process.js';
import { googleError } from '../support/fake-google-errors.js';
import { makeServiceAccountKey, startFakeGoogle, type FakeGoogle, type GmailErrorKind, type ServiceAccountKeyFile } from '../support/fake-google.js';
import { describeTransportContract, testMessage } from './transport-contract.js';

const USER = 'sender@corp.test';
const key: ServiceAccountKeyFile = makeServiceAccountKey({ clientEmail: 'postflow@corp-project.iam.gserviceaccount.com' });

async function fakeWithUser(opts: Parameters<typeof startFakeGoogle>[0] = {}): Promise<FakeGoogle> {
  const fake = await startFakeGoogle(opts);
  fake.addServiceAccount(key);
  fake.addUsers([{ primaryEmail: USER }, { primaryEmail: 'other@corp.test' }]);
  return fake;
}

describeTransportContract('gmail', async () => {
  const fake = await fakeWithUser();
  fake.script({ to: /^refuse/, error: 'invalidTo' });
  return {
    transport: new GmailTransport({ key, user: USER, apiUrl: fake.url, tokens: new GoogleTokenProvider({ tokenUrl: fake.tokenUrl }) }),
    delivered: async () => fake.sent.map((s) => ({ raw: s.raw })),
    refusedPrefix: 'refuse',
    cleanup: fake.stop,
  };
});

const failed = (o: SendOutcome | undefined) => {
  expect(o?.ok, JSON.stringify(o)).toBe(false);
  return o as Extract<SendOutcome, { ok: false }>;
};

describe('gmail transport: Google\'s side', () => {
  let fake: FakeGoogle;
  let clock: FakeClock;
  let tokens: GoogleTokenProvider;
  let transport: GmailTransport;
  const batch = (n: number, from = 0) => Array.from({ length: n }, (_, i) => testMessage(from + i));

  beforeEach(async () => {
    clock = new FakeClock(Date.parse('2026-05-01T12:00:00Z'));
    fake = await fakeWithUser({ clock });
    tokens = new GoogleTokenProvider({ tokenUrl: fake.tokenUrl, clock });
    transport = new GmailTransport({ key, user: USER, apiUrl: fake.url, tokens, clock });
  });
  afterEach(async () => {
    await transport.close();
    await fake.stop();
  });

  it('sends as the user: one token for many sends, parsed by Gmail, Gmail\'s id as provider id', async () => {
    const outcomes = [...await transport.sendBatch(batch(20)), ...await transport.sendBatch(batch(20, 20))];
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(fake.tokenGrants(USER)).toBe(1);
    expect(fake.sendCalls(USER)).toBe(40);
    expect(fake.sent.every((s) => s.user === USER)).toBe(true);
    expect(fake.sent.map((s) => s.parsed?.subject).sort()).toEqual(Array.from({ length: 40 }, (_, i) => `Test ${i}`).sort());
    const first = outcomes[0]!;
    expect(first.ok && fake.sent.some((s) => s.id === first.providerMessageId)).toBe(true);

    // Every sender of the service account shares the provider; another user gets a token of its own.
    const other = new GmailTransport({ key, user: 'other@corp.test', apiUrl: fake.url, tokens, clock });
    expect((await other.sendBatch(batch(3))).every((o) => o.ok)).toBe(true);
    await other.close();
    expect(fake.tokenGrants('other@corp.test')).toBe(1);
    expect(tokens.exchanges).toBe(2);
  });

  it('fetches a new token after the old one expires', async () => {
    await transport.sendBatch(batch(5));
    clock.advance(59 * 60_000);
    await transport.sendBatch(batch(5, 5));
    expect(fake.tokenGrants(USER)).toBe(2);
    expect(fake.sent).toHaveLength(10);
  });

  it('on 401 renews the token once and sends again', async () => {
    await transport.sendBatch(batch(2));
    fake.revokeTokens();
    const outcomes = await transport.sendBatch(batch(10, 2));
    expect(outcomes.every((o) => o.ok)).toBe(true);
    // The ten sends that met the 401 shared one renewal.
    expect(fake.tokenGrants(USER)).toBe(2);
    expect(fake.sent).toHaveLength(12);
  });

  it('after a second 401 reports an auth failure (transient, no sender signal) and stops there', async () => {
    fake.script({ user: USER, error: 'authError', times: 2 });
    const f = failed((await transport.sendBatch([testMessage(1)]))[0]);
    expect(f).toMatchObject({ permanent: false, code: 401 });
    expect(f.sender).toBeUndefined();
    expect(f.response).toMatch(/^gmail auth failed for sender@corp\.test after a token refresh: gmail 401 authError: Request had invalid authentication credentials/);
    expect(fake.sendCalls(USER)).toBe(2);
    expect(fake.tokenGrants(USER)).toBe(2);
    expect((await transport.sendBatch([testMessage(2)]))[0]!.ok).toBe(true);
  });

  const RETRY = Date.parse('2026-05-02T09:00:00.000Z');
  const cases: Array<[GmailErrorKind, Record<string, unknown>]> = [
    ['mailSending', { permanent: false, code: 429, sender: { kind: 'exhausted', retryAt: RETRY } }],
    ['dailySending', { permanent: false, code: 429, sender: { kind: 'exhausted' } }],
    ['userRateLimit', { permanent: false, code: 403, sender: { kind: 'rate' } }],
    ['userRateLimit429', { permanent: false, code: 429, sender: { kind: 'rate', retryAt: RETRY } }],
    ['concurrentRequests', { permanent: false, code: 429, sender: { kind: 'rate' } }],
    ['projectRateLimit', { permanent: false, code: 403, sender: { kind: 'account_rate' } }],
    ['projectDailyLimit', { permanent: false, code: 403, sender: { kind: 'account_rate' } }],
    ['backendError', { permanent: false, code: 500 }],
    ['unavailable', { permanent: false, code: 503 }],
    ['invalidTo', { permanent: true, code: 400, response: 'gmail 400 invalidArgument: Invalid To header' }],
    ['domainPolicy', { permanent: false, code: 403 }],
  ];
  it.each(cases)('maps Google\'s %s answer as specified', async (kind, expected) => {
    fake.script({ user: USER, error: kind, retryAt: RETRY, times: 1 });
    const [first, second] = await new GmailTransport({ key, user: USER, apiUrl: fake.url, tokens, clock, concurrency: 1 }).sendBatch([testMessage(1), testMessage(2)]);
    const f = failed(first);
    expect(f).toMatchObject(expected);
    if (!('sender' in expected)) expect(f.sender).toBeUndefined();
    if (!('retryAt' in ((expected.sender ?? {}) as object))) expect(f.sender?.retryAt).toBeUndefined();
    expect(f.throttle).toBeUndefined();
    expect(second!.ok).toBe(true);
  });

  it('takes the retry time from a Retry-After header when the message has none', async () => {
    fake.script({ user: USER, error: { ...googleError(429, 'Too many requests', 'rateLimitExceeded', 'usageLimits', 'RESOURCE_EXHAUSTED'), headers: { 'retry-after': '120' } }, times: 1 });
    const f = failed((await transport.sendBatch([testMessage(1)]))[0]);
    expect(f.sender).toEqual({ kind: 'rate', retryAt: clock.now() + 120_000 });
  });

  it('answers 429 "(Mail sending)" once the user\'s daily limit is used, with the time the oldest send frees', async () => {
    fake.setDailyLimit(USER, 3);
    const outcomes = await new GmailTransport({ key, user: USER, apiUrl: fake.url, tokens, clock, concurrency: 1 }).sendBatch(batch(5));
    expect(outcomes.map((o) => o.ok)).toEqual([true, true, true, false, false]);
    expect(failed(outcomes[3])).toMatchObject({ code: 429, sender: { kind: 'exhausted', retryAt: clock.now() + 24 * 3600_000 } });
  });

  it('fails every message of a batch transiently when no token can be had, saying why', async () => {
    const stranger = new GmailTransport({ key, user: 'stranger@elsewhere.test', apiUrl: fake.url, tokens, clock });
    const outcomes = await stranger.sendBatch(batch(3));
    for (const o of outcomes) {
      const f = failed(o);
      expect(f).toMatchObject({ permanent: false, code: 400 });
      expect(f.response).toMatch(/^gmail auth failed: no access token for stranger@elsewhere\.test: stranger@elsewhere\.test is not a user of the Workspace domain/);
    }
    expect(fake.sendCalls('stranger@elsewhere.test')).toBe(0);
    expect(tokens.exchanges).toBe(1);
    await stranger.close();
  });

  it('reports a timeout, a dropped connection and an unreachable API as transient failures', async () => {
    const quick = new GmailTransport({ key, user: USER, apiUrl: fake.url, tokens, clock, timeoutMs: 200 });
    fake.script({ user: USER, delayMs: 1000, times: 1 });
    expect(failed((await quick.sendBatch([testMessage(1)]))[0]).response).toMatch(/^gmail send failed: no answer from http:\/\/127\.0\.0\.1:\d+ within 200 ms$/);
    fake.script({ user: USER, drop: true, times: 1 });
    expect(failed((await quick.sendBatch([testMessage(2)]))[0])).toMatchObject({ permanent: false, response: expect.stringMatching(/^gmail send failed: could not reach/) });
    await quick.close();
    const down = new GmailTransport({ key, user: USER, apiUrl: `http://127.0.0.1:${await freePort()}`, tokens, clock, timeoutMs: 2000 });
    const f = failed((await down.sendBatch([testMessage(3)]))[0]);
    expect(f).toMatchObject({ permanent: false, response: expect.stringMatching(/ECONNREFUSED/) });
    expect(f.code).toBeUndefined();
  });

  it('can send through an injected fetch instead of node:http, with the same deadlines', async () => {
    const seen: string[] = [];
    const counting: typeof fetch = (input, init) => {
      seen.push(String(input));
      return fetch(input, init);
    };
    const viaFetch = new GoogleTokenProvider({ tokenUrl: fake.tokenUrl, clock, fetch: counting });
    const t = new GmailTransport({ key, user: USER, apiUrl: fake.url, tokens: viaFetch, clock, fetch: counting, timeoutMs: 200 });
    expect((await t.sendBatch(batch(3))).every((o) => o.ok)).toBe(true);
    expect(seen.filter((u) => u === fake.tokenUrl)).toHaveLength(1);
    expect(seen.filter((u) => u.endsWith('/gmail/v1/users/sender%40corp.test/messages/send'))).toHaveLength(3);
    fake.script({ user: USER, delayMs: 1000, times: 1 });
    expect(failed((await t.sendBatch([testMessage(9)]))[0]).response).toMatch(/^gmail send failed: no answer from http:\/\/127\.0\.0\.1:\d+ within 200 ms$/);
    await t.close();
  });

  it('keeps at most `concurrency` sends in flight, across concurrent batches', async () => {
    const limited = new GmailTransport({ key, user: USER, apiUrl: fake.url, tokens, clock, concurrency: 3 });
    await limited.sendBatch([testMessage(0)]); // the token, and one connection, before measuring
    fake.script({ user: USER, delayMs: 30 });
    const results = await Promise.all([limited.sendBatch(batch(8, 1)), limited.sendBatch(batch(8, 9))]);
    expect(results.flat().every((o) => o.ok)).toBe(true);
    expect(fake.peakConcurrentSends(USER)).toBe(3);
    await limited.close();
  });
});
