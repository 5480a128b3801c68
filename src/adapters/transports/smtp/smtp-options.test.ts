import { describe, it, expect } from 'vitest';
import { parseCapabilities } from './capabilities.js';
import { connectionShare, describeRelay, parseSmtpUrl, SMTP_DEFAULTS } from './smtp-options.js';

describe('parseSmtpUrl', () => {
  it('reads host, port, credentials and defaults', () => {
    const o = parseSmtpUrl('smtp://us%40er:p%3Ass@relay.example.com:2525');
    expect(o).toMatchObject({ host: 'relay.example.com', port: 2525, implicitTls: false, ...SMTP_DEFAULTS, allowInsecureAuth: false });
    expect(o.auth!.user).toBe('us@er');
    expect(o.auth!.password()).toBe('p:ss');
    expect(parseSmtpUrl('smtp://relay.example.com').port).toBe(587);
    expect(parseSmtpUrl('smtps://relay.example.com')).toMatchObject({ port: 465, implicitTls: true });
    expect(parseSmtpUrl('smtp://127.0.0.1:25').allowInsecureAuth).toBe(true);
    expect(parseSmtpUrl('smtp://[::1]:25')).toMatchObject({ host: '::1', allowInsecureAuth: true });
  });

  it('reads the query settings', () => {
    const o = parseSmtpUrl('smtp://h:25?starttls=required&tls_reject_unauthorized=false&max_connections=3&max_messages_per_connection=50&connect_timeout=1&greeting_timeout=2&command_timeout=3&data_timeout=4&ehlo=mta.example.com&pipelining=off'.replace('off', 'false'));
    expect(o).toMatchObject({ startTls: 'required', tlsRejectUnauthorized: false, maxConnections: 3, maxMessagesPerConnection: 50, connectTimeout: 1, greetingTimeout: 2, commandTimeout: 3, dataTimeout: 4, ehloName: 'mta.example.com', pipelining: false });
  });

  it('refuses bad settings with a clear message', () => {
    expect(() => parseSmtpUrl('http://h')).toThrow(/scheme must be smtp or smtps/);
    expect(() => parseSmtpUrl('nonsense')).toThrow(/not a URL/);
    expect(() => parseSmtpUrl('smtp://h?starttls=maybe')).toThrow(/starttls must be/);
    expect(() => parseSmtpUrl('smtp://h?max_connections=0')).toThrow(/max_connections must be a whole number from 1/);
    expect(() => parseSmtpUrl('smtp://h?ehlo=a%20b')).toThrow(/ehlo must be a host name/);
    expect(() => parseSmtpUrl('smtps://h?starttls=required')).toThrow(/does not apply to smtps/);
    expect(() => parseSmtpUrl('smtp://h?tls_reject_unauthorized=perhaps')).toThrow(/true or false/);
  });

  it('describes the relay without the password', () => {
    expect(describeRelay(parseSmtpUrl('smtps://me:secret@relay.example.com'))).toBe('smtps://me@relay.example.com:465');
    expect(describeRelay(parseSmtpUrl('smtp://[::1]:2525'))).toBe('smtp://[::1]:2525');
  });
});

describe('parseCapabilities', () => {
  it('reads the extensions the transport uses', () => {
    const c = parseCapabilities(['250-mx.test Hello', '250-PIPELINING', '250-SIZE 35882577', '250-STARTTLS', '250-AUTH PLAIN LOGIN XOAUTH2', '250-8BITMIME', '250 SMTPUTF8']);
    expect(c).toEqual({ pipelining: true, startTls: true, smtpUtf8: true, eightBitMime: true, auth: new Set(['PLAIN', 'LOGIN', 'XOAUTH2']), size: 35882577 });
  });

  it('handles SIZE without a limit, the old AUTH= form, and a bare greeting', () => {
    expect(parseCapabilities(['250-mx', '250-SIZE', '250 AUTH=LOGIN']).size).toBe(0);
    expect([...parseCapabilities(['250-mx', '250 AUTH=LOGIN']).auth]).toEqual(['LOGIN']);
    expect(parseCapabilities(['250 mx'])).toMatchObject({ pipelining: false, size: null, auth: new Set() });
  });
});

describe('connectionShare', () => {
  it('splits a relay\'s connection limit between pools, the first taking one more where it does not divide', () => {
    expect([0, 1, 2].map((i) => connectionShare(10, i, 3))).toEqual([4, 3, 3]);
    expect([0, 1].map((i) => connectionShare(10, i, 2))).toEqual([5, 5]);
    expect(connectionShare(10, 0, 1)).toBe(10);
    for (let max = 1; max <= 12; max++) {
      for (let count = 1; count <= max; count++) {
        const shares = Array.from({ length: count }, (_, i) => connectionShare(max, i, count));
        expect(shares.reduce((a, b) => a + b, 0)).toBe(max);
        expect(Math.min(...shares)).toBeGreaterThanOrEqual(1);
      }
    }
  });

  it('refuses more pools than connections, and an index outside the pools', () => {
    expect(() => connectionShare(2, 0, 3)).toThrow('3 connection pools cannot share max_connections=2');
    expect(() => connectionShare(4, 2, 2)).toThrow('pool 2 is not one of 2');
  });
});
