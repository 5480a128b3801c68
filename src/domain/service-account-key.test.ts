import { describe, it, expect } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { AppError } from './errors.js';
import { parseServiceAccountKey } from './service-account-key.js';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PRIVATE = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const PKCS1 = rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
const PUBLIC = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();

// The shape of a key file as Google Cloud downloads it.
const file = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  type: 'service_account',
  project_id: 'postflow-test',
  private_key_id: '0123456789abcdef0123456789abcdef01234567',
  private_key: PRIVATE,
  client_email: 'sender@postflow-test.iam.gserviceaccount.com',
  client_id: '112233445566778899001',
  auth_uri: 'https://accounts.google.com/o/oauth2/auth',
  token_uri: 'https://oauth2.googleapis.com/token',
  auth_provider_x509_cert_url: 'https://www.googleapis.com/oauth2/v1/certs',
  client_x509_cert_url: 'https://www.googleapis.com/robot/v1/metadata/x509/sender%40postflow-test.iam.gserviceaccount.com',
  universe_domain: 'googleapis.com',
  ...over,
});

function refusal(input: unknown): AppError {
  try {
    parseServiceAccountKey(input);
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    const e = err as AppError;
    // Whatever went wrong, the message never carries key material.
    expect(e.message).not.toContain('MII');
    expect(e.message).not.toContain(PRIVATE.split('\n')[1]!.slice(0, 20));
    return e;
  }
  throw new Error('expected the key to be refused');
}

describe('parseServiceAccountKey', () => {
  it('reads a downloaded key file (JSON text or parsed) and keeps only the fields Postflow uses', () => {
    for (const input of [JSON.stringify(file()), file()]) {
      const key = parseServiceAccountKey(input);
      expect(key).toEqual({
        type: 'service_account',
        client_email: 'sender@postflow-test.iam.gserviceaccount.com',
        private_key: PRIVATE,
        private_key_id: '0123456789abcdef0123456789abcdef01234567',
        project_id: 'postflow-test',
        client_id: '112233445566778899001',
        token_uri: 'https://oauth2.googleapis.com/token',
      });
    }
  });

  it('accepts a PKCS#1 RSA key and a key whose line breaks arrived as literal \\n', () => {
    expect(parseServiceAccountKey(file({ private_key: PKCS1 })).private_key).toBe(PKCS1);
    const escaped = PRIVATE.replace(/\n/g, '\\n');
    expect(parseServiceAccountKey(file({ private_key: escaped })).private_key).toBe(PRIVATE);
  });

  it('refuses text that is not JSON without quoting it', () => {
    const e = refusal(`{"type":"service_account","private_key":"${PRIVATE.slice(0, 80)}`);
    expect(e.code).toBe('SERVICE_ACCOUNT_KEY_MALFORMED');
    expect(e.field).toBe('key');
    expect(e.message).toMatch(/not valid JSON/);
  });

  it('refuses JSON that is not an object', () => {
    for (const v of ['[1,2]', '"service_account"', 'null', 42, null, undefined, [file()]]) {
      const e = refusal(v);
      expect(e.code).toBe('SERVICE_ACCOUNT_KEY_MALFORMED');
      expect(e.message).toMatch(/must be a JSON object/);
    }
  });

  it('refuses a key whose type is not service_account, naming the type it found', () => {
    const user = refusal(file({ type: 'authorized_user' }));
    expect(user).toMatchObject({ code: 'SERVICE_ACCOUNT_KEY_NOT_SERVICE_ACCOUNT', field: 'key.type' });
    expect(user.message).toMatch(/is "authorized_user", expected "service_account"/);
    const none = refusal(file({ type: undefined }));
    expect(none.message).toMatch(/key\.type: is missing/);
    // An OAuth client secret file has no type at all, only {"installed": {...}}.
    expect(refusal({ installed: { client_id: 'x' } }).code).toBe('SERVICE_ACCOUNT_KEY_NOT_SERVICE_ACCOUNT');
  });

  it('refuses a key without private_key or client_email, naming the field', () => {
    for (const [over, field, what] of [
      [{ private_key: undefined }, 'key.private_key', /is missing/],
      [{ private_key: '   ' }, 'key.private_key', /is empty/],
      [{ private_key: 42 }, 'key.private_key', /must be a string/],
      [{ client_email: undefined }, 'key.client_email', /is missing/],
      [{ client_email: '' }, 'key.client_email', /is empty/],
      [{ client_email: 'not-an-address' }, 'key.client_email', /not an email address/],
    ] as const) {
      const e = refusal(file(over));
      expect(e.code).toBe('SERVICE_ACCOUNT_KEY_MISSING_FIELD');
      expect(e.field).toBe(field);
      expect(e.message).toMatch(what);
    }
  });

  it('refuses a private_key that is not a PEM RSA private key', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const lines = PRIVATE.trim().split('\n');
    const truncated = [...lines.slice(0, 5), lines.at(-1)].join('\n');
    const cases: Array<[string, RegExp]> = [
      ['just some text', /not a PEM private key/],
      [PUBLIC, /public key or certificate/],
      [PRIVATE.replace(/PRIVATE KEY/g, 'ENCRYPTED PRIVATE KEY'), /is encrypted/],
      [truncated, /not a readable PEM private key/],
      [ec, /is an ec key; .* RSA/],
    ];
    for (const [pem, what] of cases) {
      const e = refusal(file({ private_key: pem }));
      expect(e).toMatchObject({ code: 'SERVICE_ACCOUNT_KEY_BAD_PRIVATE_KEY', field: 'key.private_key' });
      expect(e.message).toMatch(what);
    }
  });
});
