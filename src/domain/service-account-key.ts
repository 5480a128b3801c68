import { createPrivateKey } from 'node:crypto';
import type { ServiceAccountKey } from '../ports/google.js';
import { AppError } from './errors.js';

const PEM = /^-----BEGIN (RSA )?PRIVATE KEY-----\r?\n([A-Za-z0-9+/=\r\n]+)-----END \1PRIVATE KEY-----\s*$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const OPTIONAL = ['private_key_id', 'project_id', 'client_id', 'token_uri'] as const;

/**
 * Read a Google service-account key (the JSON text of the downloaded file, or that JSON already parsed) and keep
 * the fields Postflow uses. Throws an AppError naming the problem; no message ever quotes the key's content.
 */
export function parseServiceAccountKey(json: unknown): ServiceAccountKey {
  const obj = toObject(json);
  if (obj.type !== 'service_account') {
    const shown = typeof obj.type === 'string' && obj.type.length <= 40 && /^[\w.-]*$/.test(obj.type) ? `"${obj.type}"` : typeof obj.type === 'undefined' ? 'missing' : 'not a known type';
    throw new AppError('SERVICE_ACCOUNT_KEY_NOT_SERVICE_ACCOUNT', `key.type: is ${shown}, expected "service_account" (create a JSON key under IAM & Admin › Service accounts › Keys)`, { field: 'key.type' });
  }
  const clientEmail = requiredString(obj, 'client_email');
  if (!EMAIL.test(clientEmail)) throw missing('client_email', 'is not an email address');
  const privateKey = checkPrivateKey(requiredString(obj, 'private_key'));
  const key: ServiceAccountKey = { type: 'service_account', client_email: clientEmail, private_key: privateKey };
  for (const f of OPTIONAL) {
    const v = obj[f];
    if (typeof v === 'string' && v !== '') key[f] = v;
  }
  return key;
}

function toObject(json: unknown): Record<string, unknown> {
  let value = json;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      // The parser's own message may quote part of the input, which may be the private key: say less.
      throw new AppError('SERVICE_ACCOUNT_KEY_MALFORMED', 'key: is not valid JSON (upload the key file exactly as Google Cloud downloaded it)', { field: 'key' });
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new AppError('SERVICE_ACCOUNT_KEY_MALFORMED', 'key: must be a JSON object (the content of a service-account key file)', { field: 'key' });
  }
  return value as Record<string, unknown>;
}

function requiredString(obj: Record<string, unknown>, name: 'client_email' | 'private_key'): string {
  const v = obj[name];
  if (v === undefined || v === null) throw missing(name, 'is missing');
  if (typeof v !== 'string') throw missing(name, 'must be a string');
  if (v.trim() === '') throw missing(name, 'is empty');
  return v.trim();
}

function missing(name: string, what: string): AppError {
  return new AppError('SERVICE_ACCOUNT_KEY_MISSING_FIELD', `key.${name}: ${what}`, { field: `key.${name}` });
}

// A key pasted through a shell or an env file often arrives with literal "\n" instead of line breaks: accept it.
function checkPrivateKey(raw: string): string {
  const pem = raw.includes('\n') ? raw : raw.replace(/\\n/g, '\n');
  const bad = (why: string) => new AppError('SERVICE_ACCOUNT_KEY_BAD_PRIVATE_KEY', `key.private_key: ${why}`, { field: 'key.private_key' });
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----/.test(pem)) throw bad('is encrypted; Google service-account keys are not, upload the file as downloaded');
  if (/-----BEGIN (PUBLIC KEY|CERTIFICATE|RSA PUBLIC KEY)-----/.test(pem)) throw bad('is a public key or certificate, not a private key');
  if (!PEM.test(pem)) throw bad('is not a PEM private key (-----BEGIN PRIVATE KEY----- … -----END PRIVATE KEY-----)');
  let type: string | undefined;
  try {
    type = createPrivateKey({ key: pem, format: 'pem' }).asymmetricKeyType;
  } catch {
    throw bad('is not a readable PEM private key (truncated or altered?)');
  }
  if (type !== 'rsa') throw bad(`is a${type === 'ec' || type === 'ed25519' ? 'n' : ''} ${type ?? 'unknown'} key; Google signs service-account tokens with RSA (RS256)`);
  return pem.endsWith('\n') ? pem : `${pem}\n`;
}
