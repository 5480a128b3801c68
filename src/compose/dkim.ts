import { createHash, sign, type KeyObject } from 'node:crypto';

/** A DKIM signing identity: d= domain, s= selector and the private key (RSA or Ed25519). */
export interface DkimKey {
  domain: string;
  selector: string;
  privateKey: KeyObject;
}

// Headers signed when present (RFC 6376 §5.4.1 recommends From plus those a forger would want to change).
const SIGNED = ['from', 'to', 'subject', 'date', 'message-id', 'reply-to', 'mime-version', 'content-type', 'list-unsubscribe', 'list-unsubscribe-post'];

/** Relaxed header canonicalisation (RFC 6376 §3.4.2) of one "Name: value" header, folded lines included. */
function relaxedHeader(name: string, value: string): string {
  return `${name.toLowerCase()}:${value.replace(/\r\n(?=[ \t])/g, '').replace(/[ \t]+/g, ' ').trim()}`;
}

/** Relaxed body canonicalisation (RFC 6376 §3.4.4). */
function relaxedBody(body: string): string {
  const c = body.replace(/[ \t]+\r\n/g, '\r\n').replace(/[ \t]+/g, ' ').replace(/(\r\n)+$/, '');
  return c === '' ? '' : `${c}\r\n`;
}

/** True when mail from `fromDomain` is signed by `key` (the same domain or a subdomain of it). */
export function dkimAligned(key: DkimKey, fromDomain: string): boolean {
  const d = key.domain.toLowerCase();
  const f = fromDomain.toLowerCase();
  return f === d || f.endsWith(`.${d}`);
}

/**
 * Sign a finished message with DKIM (relaxed/relaxed) and return it with the DKIM-Signature header prepended.
 * RSA keys sign with rsa-sha256; Ed25519 keys with ed25519-sha256 (RFC 8463).
 */
export function dkimSign(raw: Buffer, key: DkimKey, now: number): Buffer {
  const text = raw.toString('utf8');
  const split = text.indexOf('\r\n\r\n');
  const head = text.slice(0, split);
  const body = text.slice(split + 4);
  const headers = new Map<string, { name: string; value: string }>();
  for (const line of head.split(/\r\n(?![ \t])/)) {
    const colon = line.indexOf(':');
    // The last instance of a header is the one signed (§5.4.2); ours are unique anyway.
    headers.set(line.slice(0, colon).toLowerCase(), { name: line.slice(0, colon), value: line.slice(colon + 1) });
  }
  const names = SIGNED.filter((n) => headers.has(n));
  const bh = createHash('sha256').update(relaxedBody(body), 'utf8').digest('base64');
  const ed = key.privateKey.asymmetricKeyType === 'ed25519';
  const tags = `v=1; a=${ed ? 'ed25519-sha256' : 'rsa-sha256'}; c=relaxed/relaxed; d=${key.domain}; s=${key.selector}; t=${Math.floor(now / 1000)}; h=${names.join(':')}; bh=${bh}; b=`;
  const data = `${names.map((n) => relaxedHeader(n, headers.get(n)!.value)).join('\r\n')}\r\n${relaxedHeader('DKIM-Signature', ` ${tags}`)}`;
  const b = ed ? sign(null, createHash('sha256').update(data, 'utf8').digest(), key.privateKey) : sign('sha256', Buffer.from(data, 'utf8'), key.privateKey);
  const sig = b.toString('base64');
  // Fold the signature so no line exceeds 998 octets.
  const folded = sig.match(/.{1,76}/g)!.join('\r\n ');
  return Buffer.concat([Buffer.from(`DKIM-Signature: ${tags}\r\n ${folded}\r\n`, 'utf8'), raw]);
}
