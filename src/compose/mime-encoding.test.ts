import { describe, it, expect } from 'vitest';
import { encodeDisplayName, encodeHeaderValue, MimeWriter, rfc5322Date, sevenBitCopy } from './mime-encoding.js';

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
    const w = new MimeWriter();
    const body = (s: string): { encoding: string; content: string } => {
      w.reset();
      w.prepareBody(0, s);
      w.writeBody(0);
      return { encoding: w.encoding(0), content: w.finish().toString('latin1') };
    };
    expect(body('a\nb\r\nc\rd')).toEqual({ encoding: '7bit', content: 'a\r\nb\r\nc\r\nd' });
    expect(body('')).toEqual({ encoding: '7bit', content: '' });
    // Every length around a line's 57 bytes: lines of 76, CRLF between them and none after the last.
    for (let n = 1; n <= 200; n++) {
      const s = 'ü'.repeat(n);
      const b = body(s);
      expect(b.encoding).toBe('base64');
      const lines = b.content.split('\r\n');
      expect(lines.slice(0, -1).every((l) => l.length === 76)).toBe(true);
      expect(lines.at(-1)!.length).toBeGreaterThan(0);
      expect(lines.at(-1)!.length).toBeLessThanOrEqual(76);
      expect(Buffer.from(lines.join(''), 'base64').toString('utf8')).toBe(s);
    }
    // Lines are counted with their CR, as RFC 5322's 998 characters: 997 + CR fits, 998 + CR does not.
    expect(body(`${'x'.repeat(997)}\nend`).encoding).toBe('7bit');
    expect(body(`${'x'.repeat(998)}\nend`).encoding).toBe('base64');
    expect(body('x'.repeat(998)).encoding).toBe('7bit');
    expect(body('x'.repeat(999)).encoding).toBe('base64');
  });

  it('sends non-ASCII bodies as 8bit when told it may, unless a line is too long or a NUL is in it', () => {
    const w = new MimeWriter();
    const body = (s: string, eightBit: boolean): { encoding: string; content: string; parts: unknown } => {
      w.reset(eightBit);
      w.text('head\r\n\r\n');
      w.prepareBody(0, s);
      w.writeBody(0);
      return { encoding: w.encoding(0), content: w.finish().toString('utf8'), parts: w.eightBitParts() };
    };
    expect(body('Zoë paid €42\nthanks', true)).toEqual({ encoding: '8bit', content: 'head\r\n\r\nZoë paid €42\r\nthanks', parts: [[8, 8 + Buffer.byteLength('Zoë paid €42\r\nthanks')]] });
    expect(body('Zoë paid €42', false)).toMatchObject({ encoding: 'base64', parts: null });
    expect(body('plain ascii', true)).toMatchObject({ encoding: '7bit', parts: null });
    // 998 bytes a line at most (with the CR): 996 + "é" (2 bytes) fits, 997 + "é" does not; a NUL is not 8bit text.
    expect(body(`${'x'.repeat(995)}é\nend`, true).encoding).toBe('8bit');
    expect(body(`${'x'.repeat(996)}é\nend`, true).encoding).toBe('base64');
    expect(body('é\u0000', true).encoding).toBe('base64');
    // The next message starts without the last one's parts.
    expect(body('ascii again', false).parts).toBeNull();
  });

  it('turns the 8bit bodies of a message into base64, with the bytes of a message composed without 8bit', () => {
    const w = new MimeWriter();
    const message = (eightBit: boolean): { raw: Buffer; parts: ReturnType<MimeWriter['eightBitParts']> } => {
      w.reset(eightBit);
      w.prepareBody(0, 'Grüße —\n'.repeat(40));
      w.prepareBody(1, '<p>€ 12,50 — ½ ✓</p>\n'.repeat(30));
      w.text(`Subject: x\r\nContent-Transfer-Encoding: ${w.encoding(0)}\r\n\r\n`);
      w.writeBody(0);
      w.text(`\r\n--b\r\nContent-Transfer-Encoding: ${w.encoding(1)}\r\n\r\n`);
      w.writeBody(1);
      w.text('\r\n--b--\r\n');
      return { raw: Buffer.from(w.finish()), parts: w.eightBitParts() };
    };
    const eight = message(true);
    const seven = message(false);
    expect(eight.parts).toHaveLength(2);
    expect(eight.raw.length).toBeLessThan(seven.raw.length);
    expect(sevenBitCopy(eight.raw, eight.parts!).equals(seven.raw)).toBe(true);
    // Parts that do not follow an "8bit" header are a caller's mistake, said at once.
    expect(() => sevenBitCopy(seven.raw, eight.parts!)).toThrow(/no 8bit body at byte/);
  });

  it('lets go of buffers a large message grew, and goes on writing whole messages', () => {
    const w = new MimeWriter();
    for (const s of ['é'.repeat(1_500_000), 'short\nbody', 'ü'.repeat(70_000)]) {
      w.reset();
      w.text('H: v\r\n\r\n');
      w.prepareBody(0, s);
      w.writeBody(0);
      const out = w.finish().toString('latin1');
      const body = out.slice('H: v\r\n\r\n'.length);
      const decoded = w.encoding(0) === 'base64' ? Buffer.from(body.replace(/\r\n/g, ''), 'base64').toString('utf8') : body;
      expect(decoded).toBe(s.replace(/\n/g, '\r\n'));
    }
  });

  it('hands out messages that later ones do not overwrite', () => {
    const w = new MimeWriter();
    const made = Array.from({ length: 300 }, (_, i) => {
      w.reset();
      w.text(`message ${i} `.repeat(50));
      return w.finish();
    });
    made.forEach((b, i) => expect(b.toString('latin1')).toBe(`message ${i} `.repeat(50)));
  });

  it('reuses a slab once every message cut from it is released, and only then', () => {
    const w = new MimeWriter();
    const build = (i: number): Buffer => {
      w.reset();
      w.text(`message ${i} `.repeat(400)); // 4–5 KB: 26–32 per 128 KiB slab
      return w.finish();
    };
    const first = Array.from({ length: 60 }, (_, i) => build(i));
    const slabA = first[0]!.buffer;
    const onA = first.filter((b) => b.buffer === slabA);
    expect(onA.length).toBeGreaterThan(10);
    expect(onA.length).toBeLessThan(60);
    // All but one released: slab A stays out of use, and its last message keeps its bytes.
    onA.slice(1).forEach((b) => w.release(b));
    const held = onA[0]!;
    const more = Array.from({ length: 60 }, (_, i) => build(100 + i));
    expect(more.some((b) => b.buffer === slabA)).toBe(false);
    expect(held.toString('latin1')).toBe(`message 0 `.repeat(400));
    // The last one released: slab A's memory comes back for later messages.
    w.release(held);
    [...first.filter((b) => b.buffer !== slabA), ...more].forEach((b) => w.release(b));
    const later = Array.from({ length: 120 }, (_, i) => build(1000 + i));
    expect(later.some((b) => b.buffer === slabA)).toBe(true);
    later.forEach((b, i) => expect(b.toString('latin1')).toBe(`message ${1000 + i} `.repeat(400)));
  });

  it('ignores bytes it did not cut from a slab, and a release beyond the count', () => {
    const w = new MimeWriter();
    w.release(Buffer.from('not from a slab'));
    w.reset();
    w.text('x'.repeat(40_000)); // over a quarter of a slab: a buffer of its own
    const big = w.finish();
    w.release(big);
    w.reset();
    w.text('kept');
    const kept = w.finish();
    w.release(kept);
    w.release(kept);
    const next = Array.from({ length: 100 }, (_, i) => {
      w.reset();
      w.text(`n${i} `.repeat(300));
      return w.finish();
    });
    expect(big.toString('latin1')).toBe('x'.repeat(40_000));
    next.forEach((b, i) => expect(b.toString('latin1')).toBe(`n${i} `.repeat(300)));
  });

  it('formats RFC 5322 dates in UTC', () => {
    expect(rfc5322Date(Date.UTC(2026, 10, 23, 9, 5, 7))).toBe('Mon, 23 Nov 2026 09:05:07 +0000');
  });
});
