// The transport contract against a fake SES v2 endpoint (test/support/fake-ses.ts) that verifies each request's
// SigV4 signature, then the SES-only error mapping: each exception SES documents for SendEmail, as the SDK reads
// it from the x-amzn-ErrorType header, in the SendOutcome the delivery engine acts on.
import { describe, it, expect, afterEach } from 'vitest';
import { SesTransport } from '../../src/adapters/transports/ses/ses-transport.js';
import type { SendOutcome } from '../../src/ports/transport.js';
import { startFakeSes, type FakeSes, type SesErrorName } from '../support/fake-ses.js';
import { describeTransportContract, testMessage } from './transport-contract.js';

const credentials = { accessKeyId: 'AKIAPOSTFLOWTEST0001', secretAccessKey: 'fake/secret/key+for+tests/0123456789abcd' };
const make = (fake: FakeSes, extra: Partial<ConstructorParameters<typeof SesTransport>[0]> = {}) =>
  new SesTransport({ region: 'eu-west-1', endpoint: fake.url, credentials, ...extra });

describeTransportContract('ses', async () => {
  const fake = await startFakeSes({ credentials: { [credentials.accessKeyId]: credentials.secretAccessKey } });
  fake.script({ to: /^refuse/, error: 'MessageRejected' });
  return {
    transport: make(fake, { concurrency: 4 }),
    delivered: async () => fake.sent.map((s) => ({ raw: s.raw, envelope: s.envelope })),
    refusedPrefix: 'refuse',
    openConnections: fake.openConnections,
    cleanup: fake.stop,
  };
});

describe('ses transport: SES answers', () => {
  let fake: FakeSes;
  let transport: SesTransport | null = null;
  afterEach(async () => {
    await transport?.close();
    await fake?.stop();
    transport = null;
  });

  const failed = (o: SendOutcome | undefined) => {
    expect(o?.ok, JSON.stringify(o)).toBe(false);
    return o as Extract<SendOutcome, { ok: false }>;
  };

  it('sends with a verified SigV4 signature, the envelope as Destination and the MessageId as provider id', async () => {
    fake = await startFakeSes({ credentials: { [credentials.accessKeyId]: credentials.secretAccessKey } });
    transport = make(fake);
    const m = testMessage(1, ['Hello.'], 'someone@example.org');
    const [o] = await transport.sendBatch([m]);
    expect(o).toMatchObject({ ok: true });
    const s = fake.sent[0]!;
    expect(o!.ok && o!.providerMessageId).toBe(s.messageId);
    expect(s).toMatchObject({ accessKeyId: credentials.accessKeyId, region: 'eu-west-1', envelope: { from: 'app@postflow.test', to: ['someone@example.org'] } });
    expect(s.raw.equals(m.raw)).toBe(true);
    expect(s.parsed?.subject).toBe('Test 1');
  });

  it('reports a wrong secret as a transient failure naming the signature problem', async () => {
    fake = await startFakeSes({ credentials: { [credentials.accessKeyId]: credentials.secretAccessKey } });
    transport = new SesTransport({ region: 'eu-west-1', endpoint: fake.url, credentials: { ...credentials, secretAccessKey: 'wrong' } });
    const f = failed((await transport.sendBatch([testMessage(1)]))[0]);
    expect(f).toMatchObject({ permanent: false, code: 403 });
    expect(f.response).toMatch(/InvalidSignatureException: The request signature we calculated does not match/);
    expect(JSON.stringify(f)).not.toContain('wrong');
    expect(fake.sent).toHaveLength(0);
  });

  const cases: Array<[SesErrorName, Record<string, unknown>]> = [
    ['TooManyRequestsException', { permanent: false, throttle: true, code: 429 }],
    ['LimitExceededException', { permanent: false, sender: { kind: 'exhausted' } }],
    ['MessageRejected', { permanent: true, code: 400 }],
    ['MailFromDomainNotVerifiedException', { permanent: true }],
    ['BadRequestException', { permanent: true }],
    ['NotFoundException', { permanent: true, code: 404 }],
    ['AccountSuspendedException', { permanent: false, sender: { kind: 'account_rate' } }],
    ['SendingPausedException', { permanent: false, sender: { kind: 'account_rate' } }],
    ['InternalFailure', { permanent: false, code: 500 }],
    ['ServiceUnavailable', { permanent: false, code: 503 }],
  ];
  it.each(cases)('maps %s as specified', async (name, expected) => {
    fake = await startFakeSes();
    transport = make(fake);
    fake.script({ error: name, times: 1 });
    const [first, second] = await transport.sendBatch([testMessage(1), testMessage(2)]);
    const f = failed(first);
    expect(f).toMatchObject(expected);
    expect(f.response).toContain(name);
    if (!('throttle' in expected)) expect(f.throttle).toBeUndefined();
    if (!('sender' in expected)) expect(f.sender).toBeUndefined();
    // One scripted answer, then SES is well again: the SDK did not retry on its own (the engine does).
    expect(second!.ok).toBe(true);
    expect(fake.calls()).toBe(2);
  });

  it('reports a timeout and an unreachable endpoint as transient failures', async () => {
    fake = await startFakeSes();
    fake.script({ delayMs: 1500, times: 1 });
    transport = make(fake, { timeoutMs: 300 });
    const slow = failed((await transport.sendBatch([testMessage(1)]))[0]);
    expect(slow.permanent).toBe(false);
    expect(slow.response).toMatch(/timeout|timed out/i);
    await transport.close();
    await fake.stop();
    transport = new SesTransport({ region: 'eu-west-1', endpoint: fake.url, credentials });
    const down = failed((await transport.sendBatch([testMessage(2)]))[0]);
    expect(down.permanent).toBe(false);
    expect(down.response).toMatch(/ECONNREFUSED/);
  });

  it('keeps at most `concurrency` requests in flight, across concurrent batches', async () => {
    fake = await startFakeSes();
    fake.script({ delayMs: 30 });
    transport = make(fake, { concurrency: 3 });
    const outcomes = await Promise.all([0, 1].map((b) => transport!.sendBatch(Array.from({ length: 8 }, (_, i) => testMessage(b * 10 + i)))));
    expect(outcomes.flat().every((o) => o.ok)).toBe(true);
    expect(fake.peakConcurrent()).toBe(3);
  });
});
