// The token provider against the fake token endpoint (test/support/fake-google.ts), which verifies each
// assertion's RS256 signature against the registered service account's public key and checks its claims.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { FakeClock } from '../support/fakes.js';
import { freePort } from '../support/process.js';
import { makeServiceAccountKey, startFakeGoogle, type FakeGoogle, type ServiceAccountKeyFile } from '../support/fake-google.js';
import { DIRECTORY_USER_READONLY_SCOPE, GMAIL_SEND_SCOPE } from '../../src/adapters/google/google-endpoints.js';
import { GoogleTokenError, GoogleTokenProvider } from '../../src/adapters/google/google-token-provider.js';
import { signAssertion } from '../../src/adapters/google/service-account-jwt.js';

const USER = 'ann@corp.test';
let fake: FakeGoogle;
let key: ServiceAccountKeyFile;
let clock: FakeClock;

beforeAll(async () => {
  clock = new FakeClock(Date.parse('2026-05-01T12:00:00Z'));
  fake = await startFakeGoogle({ clock });
  key = makeServiceAccountKey({ clientEmail: 'postflow@corp-project.iam.gserviceaccount.com' });
  fake.addServiceAccount(key);
  fake.addUsers([{ primaryEmail: USER }, { primaryEmail: 'bob@corp.test' }, { primaryEmail: 'gone@corp.test', suspended: true }]);
});
afterAll(() => fake.stop());

const provider = () => new GoogleTokenProvider({ tokenUrl: fake.tokenUrl, clock });

async function refusal(p: Promise<unknown>): Promise<GoogleTokenError> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(GoogleTokenError);
  return err as GoogleTokenError;
}

describe('GoogleTokenProvider', () => {
  it('exchanges a signed assertion once per user and scope, and reuses the token until shortly before it expires', async () => {
    const tokens = provider();
    const before = fake.tokenGrants(USER);
    const first = await tokens.accessToken(key, USER, GMAIL_SEND_SCOPE);
    expect(first).toMatch(/^ya29\./);
    for (let i = 0; i < 20; i++) expect(await tokens.accessToken(key, USER, GMAIL_SEND_SCOPE)).toBe(first);
    expect(tokens.exchanges).toBe(1);
    expect(fake.tokenGrants(USER)).toBe(before + 1);

    // Another user or another scope is another token.
    expect(await tokens.accessToken(key, 'bob@corp.test', GMAIL_SEND_SCOPE)).not.toBe(first);
    expect(await tokens.accessToken(key, USER, DIRECTORY_USER_READONLY_SCOPE)).not.toBe(first);
    expect(tokens.exchanges).toBe(3);

    // Google grants 3,600 s; the token is replaced a minute before that.
    clock.advance(3_600_000 - 61_000);
    expect(await tokens.accessToken(key, USER, GMAIL_SEND_SCOPE)).toBe(first);
    clock.advance(2_000);
    const second = await tokens.accessToken(key, USER, GMAIL_SEND_SCOPE);
    expect(second).not.toBe(first);
    expect(tokens.exchanges).toBe(4);
  });

  it('lets concurrent requests for the same token share one exchange', async () => {
    const tokens = provider();
    const got = await Promise.all(Array.from({ length: 25 }, () => tokens.accessToken(key, USER, GMAIL_SEND_SCOPE)));
    expect(new Set(got).size).toBe(1);
    expect(tokens.exchanges).toBe(1);
  });

  it('forgets an invalidated token but keeps a newer one', async () => {
    const tokens = provider();
    const a = await tokens.accessToken(key, USER, GMAIL_SEND_SCOPE);
    tokens.invalidate(key, USER, GMAIL_SEND_SCOPE, a);
    const b = await tokens.accessToken(key, USER, GMAIL_SEND_SCOPE);
    expect(b).not.toBe(a);
    tokens.invalidate(key, USER, GMAIL_SEND_SCOPE, a); // a late 401 for the old token
    expect(await tokens.accessToken(key, USER, GMAIL_SEND_SCOPE)).toBe(b);
    expect(tokens.exchanges).toBe(2);
  });

  it('is refused for a forged assertion: the right client_email signed with another key', async () => {
    const forger = { ...makeServiceAccountKey({ clientEmail: key.client_email }), private_key_id: key.private_key_id };
    const e = await refusal(new GoogleTokenProvider({ tokenUrl: fake.tokenUrl, clock }).accessToken(forger, USER, GMAIL_SEND_SCOPE));
    expect(e).toMatchObject({ status: 400, oauthError: 'invalid_grant', description: 'Invalid JWT Signature.' });
    expect(e.message).not.toContain('PRIVATE KEY');
  });

  it('is refused for an assertion whose claims were changed after signing', async () => {
    const jwt = signAssertion(key, { sub: USER, scope: GMAIL_SEND_SCOPE, aud: fake.tokenUrl, iat: Math.floor(clock.now() / 1000) });
    const [h, , s] = jwt.split('.');
    const claims = { iss: key.client_email, sub: 'bob@corp.test', scope: GMAIL_SEND_SCOPE, aud: fake.tokenUrl, iat: Math.floor(clock.now() / 1000), exp: Math.floor(clock.now() / 1000) + 3600 };
    const tampered = `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`;
    const post = async (assertion: string) => {
      const res = await fetch(fake.tokenUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }).toString() });
      return { status: res.status, body: await res.json() };
    };
    expect(await post(tampered)).toEqual({ status: 400, body: { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' } });
    // The untouched assertion is accepted, so it was the change that was caught.
    expect((await post(jwt)).status).toBe(200);
  });

  it('is refused for a wrong audience, an assertion outside its time window, or an unknown issuer', async () => {
    const iat = Math.floor(clock.now() / 1000);
    const post = async (k: ServiceAccountKeyFile, aud: string, at: number) => {
      const res = await fetch(fake.tokenUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: signAssertion(k, { sub: USER, scope: GMAIL_SEND_SCOPE, aud, iat: at }) }).toString() });
      return (await res.json()) as { error: string; error_description: string };
    };
    expect((await post(key, 'https://oauth2.googleapis.com/token', iat)).error_description).toMatch(/Failed audience check/);
    expect((await post(key, fake.tokenUrl, iat - 7200)).error_description).toMatch(/short-lived token .* iat and exp/);
    expect((await post(key, fake.tokenUrl, iat + 3600)).error_description).toMatch(/short-lived token/);
    expect((await post(makeServiceAccountKey(), fake.tokenUrl, iat)).error_description).toBe('Invalid grant: account not found');
  });

  it('explains a user outside the domain and missing domain-wide delegation', async () => {
    const unknown = await refusal(provider().accessToken(key, 'stranger@elsewhere.test', GMAIL_SEND_SCOPE));
    expect(unknown).toMatchObject({ status: 400, oauthError: 'invalid_grant', description: 'Invalid email or User ID' });
    expect(unknown.message).toMatch(/stranger@elsewhere\.test is not a user of the Workspace domain/);
    expect((await refusal(provider().accessToken(key, 'gone@corp.test', GMAIL_SEND_SCOPE))).description).toBe('Invalid email or User ID');

    const undelegated = makeServiceAccountKey();
    fake.addServiceAccount(undelegated, { scopes: [DIRECTORY_USER_READONLY_SCOPE] });
    const e = await refusal(provider().accessToken(undelegated, USER, GMAIL_SEND_SCOPE));
    expect(e).toMatchObject({ status: 401, oauthError: 'unauthorized_client' });
    expect(e.message).toContain(`domain-wide delegation is missing`);
    expect(e.message).toContain(`client ID ${undelegated.client_id} the scope ${GMAIL_SEND_SCOPE}`);
    expect(e.message).toContain('Client is unauthorized to retrieve access tokens using this method');
  });

  it('does not cache a refusal, and reports an unreachable endpoint', async () => {
    const tokens = provider();
    fake.failTokens({ status: 500, body: { error: 'internal_failure', error_description: 'Backend Error' } }, 1);
    expect((await refusal(tokens.accessToken(key, USER, GMAIL_SEND_SCOPE))).status).toBe(500);
    expect(await tokens.accessToken(key, USER, GMAIL_SEND_SCOPE)).toMatch(/^ya29\./);

    const port = await freePort();
    const down = new GoogleTokenProvider({ tokenUrl: `http://127.0.0.1:${port}/token`, clock, timeoutMs: 2000 });
    const e = await refusal(down.accessToken(key, USER, GMAIL_SEND_SCOPE));
    expect(e.status).toBe(0);
    expect(e.message).toBe(`no access token for ann@corp.test: token endpoint could not reach http://127.0.0.1:${port}: ECONNREFUSED`);
  });
});
