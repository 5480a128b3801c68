// SES senders through the real delivery worker and the real SES transport, against the fake SES v2 endpoint
// (SigV4 checked): each sender signs with its own sealed keys; a daily-quota refusal moves the message on.
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { startTestServer, type TestServer } from '../support/runtime.js';
import { startFakeSes, type FakeSes } from '../support/fake-ses.js';

describe('ses senders', () => {
  let ses: FakeSes;
  let ts: TestServer;
  beforeEach(async () => {
    ses = await startFakeSes({ credentials: { AKIAONE: 'secret-one', AKIATWO: 'secret-two' } });
    ts = await startTestServer({ POSTFLOW_DELIVERY_THREADS: '0' });
  });
  afterEach(async () => {
    await ts.close();
    await ses.stop();
  });

  const api = async (method: 'GET' | 'POST', url: string, payload?: unknown) => {
    const res = await ts.app.inject({ method, url, headers: ts.auth, ...(payload === undefined ? {} : { payload: payload as object }) });
    return { status: res.statusCode, body: res.json(), raw: res.body };
  };

  it('sends as each identity with its own keys; LimitExceeded exhausts one and its message goes to the other', async () => {
    for (const [id, keyId, secret] of [['one', 'AKIAONE', 'secret-one'], ['two', 'AKIATWO', 'secret-two']] as const) {
      const r = await api('POST', '/api/v1/senders', { id, kind: 'ses', email: `${id}@ses.test`, ses: { region: 'eu-west-1', endpoint: ses.url, access_key_id: keyId, secret_access_key: secret } });
      expect(r.status).toBe(201);
      expect(r.body.ses).toEqual({ region: 'eu-west-1', endpoint: ses.url });
      expect(r.raw).not.toContain(secret);
    }
    await api('POST', '/api/v1/pools', { id: 'ses', strategy: 'round_robin', senders: ['one', 'two'] });
    // Round robin from the start: r0, r2, r4 go to "one", the others to "two"; SES refuses r0 for one's daily quota.
    ses.script({ to: /^r0@/, error: 'LimitExceededException', times: 1 });
    const q = await api('POST', '/api/v1/emails/send-batch', { messages: Array.from({ length: 6 }, (_, i) => ({ to: `r${i}@example.com`, subject: `s${i}`, text: 't', sender_pool: 'ses' })) });
    for (let i = 0; i < 20 && ses.sent.length < 6; i++) while ((await ts.rt.worker.runOnce()) > 0);
    expect(ses.sent).toHaveLength(6);
    const one = (await api('GET', '/api/v1/senders/one')).body;
    expect(one).toMatchObject({ state: 'exhausted', last_error: expect.stringMatching(/LimitExceededException/) });
    // r2 and r4 were already on their way with "one" in the same batch; r0 moved to "two". Each signed with its own key.
    const by = (key: string) => ses.sent.filter((m) => m.accessKeyId === key).map((m) => m.envelope.to[0]).sort();
    expect(by('AKIAONE')).toEqual(['r2@example.com', 'r4@example.com']);
    expect(by('AKIATWO')).toEqual(['r0@example.com', 'r1@example.com', 'r3@example.com', 'r5@example.com']);
    for (const m of ses.sent) expect(m.envelope.from).toBe(m.accessKeyId === 'AKIAONE' ? 'one@ses.test' : 'two@ses.test');
    for (const x of q.body.queued) expect((await api('GET', `/api/v1/emails/${x.id}`)).body).toMatchObject({ status: 'sent', transport: 'ses', attempts: 1 });
  });
});
