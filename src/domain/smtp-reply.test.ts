import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { classifyReply, formatReply, formatReplyLines, parseReply, queueIdFromReply, type SmtpReply } from './smtp-reply.js';

const verdict = (s: string) => classifyReply(parseReply(s)!);

describe('parseReply', () => {
  it('splits code, enhanced code and text', () => {
    expect(parseReply('250 2.0.0 OK')).toEqual({ code: 250, enhanced: '2.0.0', text: 'OK' });
    expect(parseReply('550 5.1.1 <x@y.test>: Recipient address rejected')).toEqual({ code: 550, enhanced: '5.1.1', text: '<x@y.test>: Recipient address rejected' });
  });

  it('leaves the enhanced code out when the server does not send one', () => {
    expect(parseReply('354 End data with <CR><LF>.<CR><LF>')).toEqual({ code: 354, text: 'End data with <CR><LF>.<CR><LF>' });
    expect(parseReply('250')).toEqual({ code: 250, text: '' });
  });

  it('joins multi-line replies and strips the repeated enhanced code from every line', () => {
    const r = parseReply('550-5.7.1 The user or domain that you are sending to (or from) has a policy\r\n550-5.7.1 that prohibited the mail that you sent.\r\n550 5.7.1 Please contact your domain administrator.\r\n');
    expect(r).toEqual({ code: 550, enhanced: '5.7.1', text: 'The user or domain that you are sending to (or from) has a policy\nthat prohibited the mail that you sent.\nPlease contact your domain administrator.' });
    expect(parseReply(['250-mx.test Hello', '250-PIPELINING', '250 SIZE 1000'])).toEqual({ code: 250, text: 'mx.test Hello\nPIPELINING\nSIZE 1000' });
  });

  it('treats an enhanced code whose class disagrees with the reply as text', () => {
    expect(parseReply('450 5.1.1 odd')).toEqual({ code: 450, text: '5.1.1 odd' });
  });

  it('accepts three-digit enhanced details and normalises leading zeros', () => {
    expect(parseReply('451 4.7.500 Server busy')!.enhanced).toBe('4.7.500');
    expect(parseReply('421 4.7.028 slow')!.enhanced).toBe('4.7.28');
  });

  it('refuses what is not a reply', () => {
    expect(parseReply('hello')).toBeNull();
    expect(parseReply('')).toBeNull();
    expect(parseReply([])).toBeNull();
  });

  it('formats a reply on one line', () => {
    expect(formatReply(parseReply('550-5.1.1 No such\r\n550 5.1.1 user')!)).toBe('550 5.1.1 No such user');
    expect(formatReply({ code: 421, text: 'closing' })).toBe('421 closing');
  });
});

describe('formatReplyLines', () => {
  const slow = (code: number, lines: string[]) => {
    const r = parseReply(lines) ?? { code, text: '' };
    return { formatted: formatReply(r), text: r.text };
  };

  it('gives the usual one-line reply as it is, and its text', () => {
    expect(formatReplyLines(250, ['250 2.0.0 Ok: queued as 4F1A2'])).toEqual({ formatted: '250 2.0.0 Ok: queued as 4F1A2', text: 'Ok: queued as 4F1A2' });
  });

  it('parses what is not in that form', () => {
    expect(formatReplyLines(250, ['250 2.0.0  Ok'])).toEqual({ formatted: '250 2.0.0 Ok', text: 'Ok' });
    expect(formatReplyLines(250, ['250 2.0.00 Ok'])).toEqual({ formatted: '250 2.0.0 Ok', text: 'Ok' });
    expect(formatReplyLines(250, ['250 5.0.0 Ok'])).toEqual({ formatted: '250 5.0.0 Ok', text: '5.0.0 Ok' });
    expect(formatReplyLines(250, ['250-2.0.0 first', '250 2.0.0 second'])).toEqual({ formatted: '250 2.0.0 first second', text: 'first\nsecond' });
    expect(formatReplyLines(250, ['250 2.0.0 a\u2028b'])).toEqual({ formatted: '250', text: '' });
  });

  it('agrees with formatReply(parseReply(lines)) on any lines', () => {
    const piece = fc.constantFrom('2', '4', '5', '0', '9', '.', ' ', '-', '25', '250', '2.0.0', '4.7.1', '2.1.10', 'Ok', 'queued as X', '\r', '\u2028', '\u2029', '\t', 'é');
    const line = fc.array(piece, { maxLength: 8 }).map((p) => p.join(''));
    fc.assert(fc.property(fc.integer({ min: 200, max: 599 }), fc.array(line, { minLength: 1, maxLength: 3 }), (code, lines) => {
      expect(formatReplyLines(code, lines)).toEqual(slow(code, lines));
    }), { numRuns: 5000 });
  });
});

describe('classifyReply', () => {
  it('2yz and 3yz go on, 4yz is transient, 5yz permanent', () => {
    expect(verdict('250 2.0.0 OK')).toEqual({ kind: 'ok', throttle: false });
    expect(verdict('354 go ahead')).toEqual({ kind: 'ok', throttle: false });
    expect(verdict('452 4.2.2 Mailbox full')).toEqual({ kind: 'transient', throttle: false });
    expect(verdict('550 5.1.1 No such user')).toEqual({ kind: 'permanent', throttle: false });
    expect(verdict('554 5.7.1 Relay access denied')).toEqual({ kind: 'permanent', throttle: false });
  });

  it('lets the basic code decide when the enhanced code is missing', () => {
    expect(verdict('451 Local error')).toEqual({ kind: 'transient', throttle: false });
    expect(verdict('553 mailbox name not allowed')).toEqual({ kind: 'permanent', throttle: false });
  });

  it('retries codes outside 2yz–5yz (protocol errors)', () => {
    expect(classifyReply({ code: 999, text: '' })).toEqual({ kind: 'transient', throttle: false });
    expect(classifyReply({ code: 100, text: '' }).kind).toBe('transient');
  });

  it('flags 421 as throttling, whatever its text', () => {
    expect(verdict('421 4.7.0 [TSS04] Messages from 1.2.3.4 temporarily deferred')).toEqual({ kind: 'transient', throttle: true });
    expect(verdict('421 mx.test Service not available, closing transmission channel')).toEqual({ kind: 'transient', throttle: true });
    expect(verdict('421-4.7.28 Our system has detected an unusual rate\r\n421 4.7.28 of unsolicited mail')).toEqual({ kind: 'transient', throttle: true });
  });

  it('flags 4yz policy codes (X.7.z), but not greylisting', () => {
    expect(verdict('454 4.7.0 Too many login attempts')).toEqual({ kind: 'transient', throttle: true });
    expect(verdict('451 4.7.500 Server busy. Please try again later')).toEqual({ kind: 'transient', throttle: true });
    expect(verdict('450 4.7.1 Greylisted, see https://grey.test')).toEqual({ kind: 'transient', throttle: false });
  });

  it('flags congestion and "not accepting network messages"', () => {
    expect(verdict('451 4.3.2 System not accepting network messages')).toEqual({ kind: 'transient', throttle: true });
    expect(verdict('452 4.4.5 Insufficient system storage')).toEqual({ kind: 'transient', throttle: true });
  });

  it('keeps X.4.5 transient even under a 5yz code (a sender quota must not fail the recipient)', () => {
    expect(verdict('550 5.4.5 Daily user sending quota exceeded')).toEqual({ kind: 'transient', throttle: true });
  });

  it('reads rate-limit wording on 450/451/452 without enhanced codes', () => {
    expect(verdict('450 Too many connections from your IP')).toEqual({ kind: 'transient', throttle: true });
    expect(verdict('451 Rate limit exceeded, slow down')).toEqual({ kind: 'transient', throttle: true });
    expect(verdict('451 Throttled: try again in 60 seconds')).toEqual({ kind: 'transient', throttle: true });
    expect(verdict('452 Message rate exceeded')).toEqual({ kind: 'transient', throttle: true });
    expect(verdict('450 Requested mail action not taken: mailbox unavailable')).toEqual({ kind: 'transient', throttle: false });
    // "Too many recipients" limits one transaction; it is no reason to slow the host down.
    expect(verdict('452 Too many recipients')).toEqual({ kind: 'transient', throttle: false });
  });

  it('never throttles on a permanent failure', () => {
    const r: SmtpReply = { code: 550, enhanced: '5.7.1', text: 'rate limited forever' };
    expect(classifyReply(r)).toEqual({ kind: 'permanent', throttle: false });
  });
});

describe('queueIdFromReply', () => {
  it('finds the queue id of common relays', () => {
    expect(queueIdFromReply('Ok: queued as 4Xyz12AbC')).toBe('4Xyz12AbC');
    expect(queueIdFromReply('OK id=1rA2bC-0003xY-Zz')).toBe('1rA2bC-0003xY-Zz');
    expect(queueIdFromReply('wBNH5a0v012345 Message accepted for delivery')).toBe('wBNH5a0v012345');
    expect(queueIdFromReply('OK  1700000000 d2e1a72fcca58-6cc-x.123 - gsmtp')).toBe('d2e1a72fcca58-6cc-x.123');
    expect(queueIdFromReply('Ok: queued as <abc@relay>')).toBe('abc@relay');
  });

  it('returns null when there is none', () => {
    expect(queueIdFromReply('OK: message queued')).toBeNull();
    expect(queueIdFromReply('')).toBeNull();
  });
});
