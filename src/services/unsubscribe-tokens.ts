import { createHmac, timingSafeEqual } from 'node:crypto';
import { formatUnsubscribeToken, parseUnsubscribeToken, unsubscribeSigningText, type UnsubscribeTarget } from '../domain/unsubscribe-token.js';

/** Signs and checks unsubscribe tokens with HMAC-SHA256 under the installation's secret (POSTFLOW_SECRET). */
export class UnsubscribeTokens {
  constructor(private readonly secret: string) {}

  /** The token for a contact of a campaign. */
  sign(t: UnsubscribeTarget): string {
    return formatUnsubscribeToken(t, this.mac(unsubscribeSigningText(t)));
  }

  /** What a token names, or null when it is malformed or its MAC does not match (compared in constant time). */
  verify(token: string): UnsubscribeTarget | null {
    const p = parseUnsubscribeToken(token);
    if (!p) return null;
    const expected = Buffer.from(this.mac(p.signed), 'base64url');
    const given = Buffer.from(p.mac, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    return { contactId: p.contactId, campaignId: p.campaignId };
  }

  private mac(text: string): string {
    return createHmac('sha256', this.secret).update(text, 'utf8').digest('base64url');
  }
}
