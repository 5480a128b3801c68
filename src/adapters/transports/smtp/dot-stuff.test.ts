import { describe, it, expect } from 'vitest';
import { dataTerminator, dotStuff } from './dot-stuff.js';

// What a receiver does (RFC 5321 §4.5.2): drop the first "." of every line that starts with one.
function unstuff(wire: Buffer): Buffer {
  return Buffer.from(wire.toString('latin1').replace(/(^|\n)\./g, '$1'), 'latin1');
}

describe('dotStuff', () => {
  it('returns the same buffer, uncopied, when no line starts with a dot', () => {
    const raw = Buffer.from('Subject: x\r\n\r\nhello. world.\r\n');
    expect(dotStuff(raw)).toBe(raw);
  });

  it('doubles a dot at the start of any line, including the first and a lone dot', () => {
    const raw = Buffer.from('.first\r\nmid\r\n.\r\n..two\r\nend.\r\n.');
    expect(dotStuff(raw).toString()).toBe('..first\r\nmid\r\n..\r\n...two\r\nend.\r\n..');
  });

  it('stuffs after a bare LF too, so "\\n.\\r\\n" cannot end the data early (SMTP smuggling)', () => {
    expect(dotStuff(Buffer.from('a\n.\r\nMAIL FROM:<x>\r\n')).toString()).toBe('a\n..\r\nMAIL FROM:<x>\r\n');
  });

  it('round-trips random content through a receiver that unstuffs', () => {
    let seed = 42;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const alphabet = ['.', '.', '\r\n', '\r\n', 'a', ' ', '..', '\n'];
    for (let n = 0; n < 300; n++) {
      const raw = Buffer.from(Array.from({ length: Math.floor(rnd() * 60) }, () => alphabet[Math.floor(rnd() * alphabet.length)]).join(''));
      const wire = dotStuff(raw);
      expect(unstuff(wire).equals(raw)).toBe(true);
      // No line on the wire is a lone "." (that would end the message).
      expect(/(^|\n)\.\r?\n/.test(wire.toString('latin1'))).toBe(false);
    }
  });
});

describe('dataTerminator', () => {
  it('ends with ".\\r\\n" after a final CRLF, and adds the CRLF when missing', () => {
    expect(dataTerminator(Buffer.from('x\r\n')).toString()).toBe('.\r\n');
    expect(dataTerminator(Buffer.from('x')).toString()).toBe('\r\n.\r\n');
    expect(dataTerminator(Buffer.alloc(0)).toString()).toBe('\r\n.\r\n');
  });
});
