// Adapter-only test: the one SecretBox implementation (no port contract to share).
import { describe, it, expect } from 'vitest';
import { AesGcmSecretBox } from './aes-gcm-secret-box.js';

const SECRET = 'a'.repeat(43);

describe('AesGcmSecretBox', () => {
  it('opens what it sealed, in the same context only, never showing the plain text', () => {
    const box = new AesGcmSecretBox(SECRET);
    const sealed = box.seal('-----BEGIN PRIVATE KEY-----xyz', 'service_account:1');
    expect(sealed).not.toContain('PRIVATE');
    expect(box.open(sealed, 'service_account:1')).toBe('-----BEGIN PRIVATE KEY-----xyz');
    expect(() => box.open(sealed, 'service_account:2')).toThrow(/does not open/);
    // A fresh nonce each time.
    expect(box.seal('x', 'c')).not.toBe(box.seal('x', 'c'));
  });

  it('refuses another secret and a changed byte', () => {
    const sealed = new AesGcmSecretBox(SECRET).seal('pass', 'sender:a');
    expect(() => new AesGcmSecretBox('b'.repeat(43)).open(sealed, 'sender:a')).toThrow(/does not open/);
    const parts = sealed.split('.');
    const body = Buffer.from(parts[2]!, 'base64url');
    body[0] ^= 1;
    parts[2] = body.toString('base64url');
    expect(() => new AesGcmSecretBox(SECRET).open(parts.join('.'), 'sender:a')).toThrow(/does not open/);
    expect(() => new AesGcmSecretBox(SECRET).open('plain', 'sender:a')).toThrow(/not a sealed value/);
  });
});
