import { describe, it, expect } from 'vitest';
import { encodeBody, encodeDisplayName, encodeHeaderValue, rfc5322Date } from './mime-encoding.js';

describe('MIME encodings', () => {
  it('leaves ASCII headers alone and encodes others in words of at most 75 characters', () => {
    expect(encodeHeaderValue('Hello there')).toBe('Hello there');
    const enc = encodeHeaderValue('日本語のテキスト'.repeat(10));
    const words = enc.split('\r\n ');
    expect(words.length).toBeGreaterThan(1);
    expect(words.every((w) => w.length <= 75 && /^=\?UTF-8\?B\?[A-Za-z0-9+/=]+\?=$/.test(w))).toBe(true);
    const decoded = words.map((w) => Buffer.from(w.slice(10, -2), 'base64').toString('utf8')).join('');
    expect(decoded).toBe('日本語のテキスト'.repeat(10));
  });

  it('quotes display names with specials', () => {
    expect(encodeDisplayName('Ann Lee')).toBe('Ann Lee');
    expect(encodeDisplayName('Lee, "Ann"')).toBe('"Lee, \\"Ann\\""');
    expect(encodeDisplayName('Zoë')).toMatch(/^=\?UTF-8\?B\?/);
  });

  it('sends ASCII bodies as 7bit with CRLF and others as base64 in 76-character lines', () => {
    expect(encodeBody('a\nb\r\nc')).toEqual({ encoding: '7bit', content: 'a\r\nb\r\nc' });
    const b = encodeBody('ü'.repeat(100));
    expect(b.encoding).toBe('base64');
    expect(b.content.split('\r\n').every((l) => l.length <= 76)).toBe(true);
    expect(encodeBody('x'.repeat(1200)).encoding).toBe('base64');
  });

  it('formats RFC 5322 dates in UTC', () => {
    expect(rfc5322Date(Date.UTC(2026, 10, 23, 9, 5, 7))).toBe('Mon, 23 Nov 2026 09:05:07 +0000');
  });
});
