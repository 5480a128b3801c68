import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { SecretBox } from '../../ports/secret-box.js';

const VERSION = 'v1';

/**
 * AES-256-GCM with a key derived from POSTFLOW_SECRET by HKDF-SHA256 (salt and info fixed per purpose), a random
 * 96-bit nonce per value, and the storage context as additional authenticated data. Sealed form:
 * `v1.<nonce>.<ciphertext>.<tag>` in base64url. A wrong secret, a changed byte or another context fails to open.
 */
export class AesGcmSecretBox implements SecretBox {
  readonly #key: Buffer;

  constructor(secret: string) {
    if (secret.length < 16) throw new Error('the secret box needs a secret of at least 16 characters');
    this.#key = Buffer.from(hkdfSync('sha256', secret, 'postflow', 'postflow/credentials/v1', 32));
  }

  seal(plain: string, context: string): string {
    const nonce = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.#key, nonce);
    c.setAAD(Buffer.from(context));
    const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
    return [VERSION, nonce.toString('base64url'), body.toString('base64url'), c.getAuthTag().toString('base64url')].join('.');
  }

  open(sealed: string, context: string): string {
    const parts = sealed.split('.');
    if (parts.length !== 4 || parts[0] !== VERSION) throw new Error('not a sealed value');
    const d = createDecipheriv('aes-256-gcm', this.#key, Buffer.from(parts[1]!, 'base64url'));
    d.setAAD(Buffer.from(context));
    d.setAuthTag(Buffer.from(parts[3]!, 'base64url'));
    try {
      return Buffer.concat([d.update(Buffer.from(parts[2]!, 'base64url')), d.final()]).toString('utf8');
    } catch {
      throw new Error(`the sealed value for ${context} does not open with this POSTFLOW_SECRET`);
    }
  }

  /** Never show the key. */
  toJSON(): string {
    return 'AesGcmSecretBox';
  }
}
