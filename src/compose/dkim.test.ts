import { describe, it, expect } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { dkimVerify } from 'mailauth';
import { buildMime } from './mime.js';
import { dkimAligned, dkimSign } from './dkim.js';
import { composeMessage } from './compose-message.js';
import { TemplateEngine } from './template-engine.js';

function message(): Buffer {
  return buildMime({
    from: { address: 'news@shop.test', domain: 'shop.test', name: 'Shop' }, to: { address: 'ann@example.com', domain: 'example.com', name: 'Zoë' },
    subject: 'Ça va?  Spaces   inside', html: '<p>Hello  there </p>\n\n\n', text: 'Hello   there \n.leading dot\n',
    headers: { 'List-Unsubscribe': '<https://shop.test/u/1>' }, messageId: 'abc@shop.test', date: Date.UTC(2026, 10, 23),
  });
}

async function verify(signed: Buffer, publicKeyPem: string, selector: string) {
  const txt = `v=DKIM1; k=${publicKeyPem.includes('BEGIN PUBLIC KEY') && selector.startsWith('ed') ? 'ed25519' : 'rsa'}; p=${publicKeyPem.replace(/-----[^-]+-----|\s/g, '')}`;
  const resolver = async (name: string, type: string) => {
    if (type === 'TXT' && name === `${selector}._domainkey.shop.test`) return [[txt]];
    const e = new Error(`no ${type} for ${name}`) as Error & { code: string };
    e.code = 'ENOTFOUND';
    throw e;
  };
  return (await dkimVerify(signed, { resolver })).results[0]!;
}

describe('DKIM signing', () => {
  it('produces an RSA-SHA256 signature that an independent verifier (mailauth) accepts', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const signed = dkimSign(message(), { domain: 'shop.test', selector: 'pf1', privateKey }, Date.UTC(2026, 10, 23));
    expect(signed.toString().split('\r\n').every((l) => l.length <= 998)).toBe(true);
    const r = await verify(signed, publicKey.export({ type: 'spki', format: 'pem' }) as string, 'pf1');
    expect(r.status.result).toBe('pass');
    expect(r.signingDomain).toBe('shop.test');
  });

  it('fails verification when a signed header is altered', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const signed = dkimSign(message(), { domain: 'shop.test', selector: 'pf1', privateKey }, Date.UTC(2026, 10, 23));
    const tampered = Buffer.from(signed.toString().replace('Subject: ', 'Subject: FREE '));
    const r = await verify(tampered, publicKey.export({ type: 'spki', format: 'pem' }) as string, 'pf1');
    expect(r.status.result).toBe('fail');
  });

  it('signs with Ed25519 (RFC 8463)', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const signed = dkimSign(message(), { domain: 'shop.test', selector: 'ed1', privateKey }, Date.UTC(2026, 10, 23));
    expect(signed.toString()).toMatch(/^DKIM-Signature: v=1; a=ed25519-sha256;/);
    // An Ed25519 DNS record carries the raw 32-byte key (the last bytes of the SPKI DER).
    const raw = (publicKey.export({ type: 'spki', format: 'der' }) as Buffer).subarray(-32).toString('base64');
    const r = await verify(signed, `-----BEGIN PUBLIC KEY-----${raw}-----END PUBLIC KEY-----`, 'ed1');
    expect(r.status.result).toBe('pass');
  });

  it('is aligned for the domain and its subdomains only', () => {
    const key = { domain: 'shop.test', selector: 's', privateKey: generateKeyPairSync('ed25519').privateKey };
    expect(dkimAligned(key, 'shop.test')).toBe(true);
    expect(dkimAligned(key, 'mail.shop.test')).toBe(true);
    expect(dkimAligned(key, 'evilshop.test')).toBe(false);
  });

  it('keeps a message it signs in 7 bits even where the transport takes 8bit (RFC 6376 §5.3), and only that one', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const engine = new TemplateEngine();
    const compiled = engine.compile({ subject: 'Grüße', html: '<p>Zoë — €{{ n }}</p>', text: 'Zoë — €{{ n }}' });
    const input = { id: '01JTEST', fromAddress: 'news@shop.test', fromName: null, toAddress: 'ann@example.com', toName: null, toDomain: 'example.com', replyTo: null, headers: {}, variables: { n: 42 }, templateId: null, templateVersion: null, subject: null, html: null, text: null };
    const key = { domain: 'shop.test', selector: 'pf1', privateKey };
    const signed = composeMessage(input, compiled, engine, Date.UTC(2026, 10, 23), key, true);
    expect(signed.sevenBit).toBeUndefined();
    expect(/[^\x00-\x7f]/.test(signed.raw.toString('latin1'))).toBe(false);
    expect((await verify(signed.raw, publicKey.export({ type: 'spki', format: 'pem' }) as string, 'pf1')).status.result).toBe('pass');
    // From another domain the key does not sign, and 8bit is used.
    const unsigned = composeMessage({ ...input, fromAddress: 'news@other.test' }, compiled, engine, Date.UTC(2026, 10, 23), key, true);
    expect(unsigned.raw.toString('utf8')).toContain('Content-Transfer-Encoding: 8bit');
    expect(unsigned.sevenBit).toBeTypeOf('function');
  });
});
