import { describe, it, expect } from 'vitest';
import { ReplyReader } from './reply-reader.js';

const all = (r: ReplyReader) => {
  const out = [];
  for (let x = r.take(); x; x = r.take()) out.push(x);
  return out;
};

describe('ReplyReader', () => {
  const wire = '220 mx.test ESMTP\r\n250-mx.test\r\n250-PIPELINING\r\n250 SIZE 100\r\n250 2.1.0 Ok\r\n354 go\r\n550 5.1.1 no\r\n';
  const expected = [
    { code: 220, lines: ['220 mx.test ESMTP'] },
    { code: 250, lines: ['250-mx.test', '250-PIPELINING', '250 SIZE 100'] },
    { code: 250, lines: ['250 2.1.0 Ok'] },
    { code: 354, lines: ['354 go'] },
    { code: 550, lines: ['550 5.1.1 no'] },
  ];

  it('splits pipelined replies that arrive in one chunk', () => {
    const r = new ReplyReader();
    r.push(Buffer.from(wire));
    expect(all(r)).toEqual(expected);
    expect(r.hasBuffered()).toBe(false);
  });

  it('reassembles replies cut at any byte', () => {
    for (let cut = 1; cut < wire.length; cut++) {
      const r = new ReplyReader();
      r.push(Buffer.from(wire.slice(0, cut)));
      r.push(Buffer.from(wire.slice(cut)));
      expect(all(r)).toEqual(expected);
    }
  });

  it('counts and shows the complete replies waiting without taking them; a partial one is not counted', () => {
    const r = new ReplyReader();
    r.push(Buffer.from('250 2.0.0 Ok: queued\r\n250 2.1.0 Ok\r\n354 go\r\n250 2.1'));
    expect(r.waiting).toBe(3);
    expect(r.peek(2)).toEqual({ code: 354, lines: ['354 go'] });
    expect(r.peek(3)).toBeUndefined();
    expect(r.take()!.code).toBe(250);
    expect(r.waiting).toBe(2);
    expect(r.peek(0)).toEqual({ code: 250, lines: ['250 2.1.0 Ok'] });
    r.push(Buffer.from('.5 Ok\r\n'));
    expect(all(r).map((x) => x.code)).toEqual([250, 354, 250]);
    expect(r.waiting).toBe(0);
  });

  it('accepts bare LF line ends and a code without text', () => {
    const r = new ReplyReader();
    r.push(Buffer.from('250\n221 bye\n'));
    expect(all(r)).toEqual([{ code: 250, lines: ['250'] }, { code: 221, lines: ['221 bye'] }]);
  });

  it('reports bytes waiting beyond the replies taken (STARTTLS injection check)', () => {
    const r = new ReplyReader();
    r.push(Buffer.from('220 ready\r\n250 inj'));
    expect(r.take()!.code).toBe(220);
    expect(r.hasBuffered()).toBe(true);
  });

  it('refuses what is not a reply, and unbounded lines', () => {
    expect(() => new ReplyReader().push(Buffer.from('HTTP/1.1 400 Bad\r\n'))).toThrow(/malformed reply line/);
    expect(() => new ReplyReader().push(Buffer.from('250xok\r\n'))).toThrow(/malformed/);
    expect(() => new ReplyReader().push(Buffer.alloc(10_000, 0x41))).toThrow(/longer than/);
  });
});
