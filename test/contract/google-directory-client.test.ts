// The directory client against the fake Admin SDK (test/support/fake-google.ts): paging, admin-only access,
// a token renewed after a 401, Google's errors passed on.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { makeServiceAccountKey, startFakeGoogle, type FakeGoogle, type FakeUser, type ServiceAccountKeyFile } from '../support/fake-google.js';
import { GoogleApiError } from '../../src/adapters/google/google-error.js';
import { GoogleDirectoryClient } from '../../src/adapters/google/google-directory-client.js';
import { GoogleTokenProvider } from '../../src/adapters/google/google-token-provider.js';

const ADMIN = 'admin@corp.test';
let fake: FakeGoogle;
let key: ServiceAccountKeyFile;
const people: FakeUser[] = Array.from({ length: 1202 }, (_, i) => ({
  primaryEmail: `user${String(i).padStart(4, '0')}@corp.test`,
  givenName: `User${i}`,
  familyName: 'Test',
  suspended: i % 100 === 7,
  archived: i % 250 === 3,
}));

beforeAll(async () => {
  fake = await startFakeGoogle();
  key = makeServiceAccountKey();
  fake.addServiceAccount(key);
  fake.addUsers([{ primaryEmail: ADMIN, isAdmin: true, givenName: 'Ada', familyName: 'Admin' }, ...people]);
  // Another customer's users must not appear.
  fake.addUsers([{ primaryEmail: 'x@other.test', isAdmin: true }, { primaryEmail: 'y@other.test' }]);
});
afterAll(() => fake.stop());

describe('GoogleDirectoryClient', () => {
  it('lists all 1,203 users of the domain in pages of 500, following nextPageToken', async () => {
    const tokens = new GoogleTokenProvider({ tokenUrl: fake.tokenUrl });
    const client = new GoogleDirectoryClient({ tokens, apiUrl: fake.url });
    fake.directoryCalls.length = 0;
    const users = await client.listUsers(key, ADMIN);
    expect(users).toHaveLength(1203);
    expect(new Set(users.map((u) => u.primaryEmail)).size).toBe(1203);
    expect(users.every((u) => u.primaryEmail.endsWith('@corp.test'))).toBe(true);
    expect(fake.directoryCalls.map((c) => [c.maxResults, c.pageToken === null])).toEqual([[500, true], [500, false], [500, false]]);
    expect(fake.directoryCalls.every((c) => c.admin === ADMIN)).toBe(true);
    expect(tokens.exchanges).toBe(1);

    expect(users.find((u) => u.primaryEmail === ADMIN)).toEqual({ primaryEmail: ADMIN, suspended: false, archived: false, fullName: 'Ada Admin', isAdmin: true });
    expect(users.filter((u) => u.suspended)).toHaveLength(people.filter((p) => p.suspended).length);
    expect(users.filter((u) => u.archived)).toHaveLength(people.filter((p) => p.archived).length);
    expect(users.find((u) => u.primaryEmail === 'user0007@corp.test')).toMatchObject({ suspended: true, fullName: 'User7 Test', isAdmin: false });
  });

  it('honours a smaller page size', async () => {
    const client = new GoogleDirectoryClient({ tokens: new GoogleTokenProvider({ tokenUrl: fake.tokenUrl }), apiUrl: fake.url, pageSize: 200 });
    fake.directoryCalls.length = 0;
    expect(await client.listUsers(key, ADMIN)).toHaveLength(1203);
    expect(fake.directoryCalls.map((c) => c.maxResults)).toEqual([200, 200, 200, 200, 200, 200, 200]);
  });

  it('renews the token once when Google answers 401 mid-way', async () => {
    const tokens = new GoogleTokenProvider({ tokenUrl: fake.tokenUrl });
    const client = new GoogleDirectoryClient({ tokens, apiUrl: fake.url });
    await tokens.accessToken(key, ADMIN, 'https://www.googleapis.com/auth/admin.directory.user.readonly');
    fake.revokeTokens();
    expect(await client.listUsers(key, ADMIN)).toHaveLength(1203);
    expect(tokens.exchanges).toBe(2);
  });

  it('passes on Google\'s refusal for a user who is not an admin', async () => {
    const client = new GoogleDirectoryClient({ tokens: new GoogleTokenProvider({ tokenUrl: fake.tokenUrl }), apiUrl: fake.url });
    const err = await client.listUsers(key, 'user0001@corp.test').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GoogleApiError);
    expect((err as GoogleApiError).status).toBe(403);
    expect((err as Error).message).toBe('directory listing as user0001@corp.test: Google answered 403 forbidden: Not Authorized to access this resource/api');
  });

  it('says when delegation lacks the directory scope', async () => {
    const sendOnly = makeServiceAccountKey();
    fake.addServiceAccount(sendOnly, { scopes: ['https://www.googleapis.com/auth/gmail.send'] });
    const client = new GoogleDirectoryClient({ tokens: new GoogleTokenProvider({ tokenUrl: fake.tokenUrl }), apiUrl: fake.url });
    await expect(client.listUsers(sendOnly, ADMIN)).rejects.toThrow(/domain-wide delegation is missing: .* the scope https:\/\/www\.googleapis\.com\/auth\/admin\.directory\.user\.readonly/);
  });
});
