import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { UnsubscribeTokens } from './unsubscribe-tokens.js';
import { parseUnsubscribeToken } from '../domain/unsubscribe-token.js';

const SECRET = 'a-test-secret-of-at-least-32-characters!!';

describe('unsubscribe tokens (HMAC-SHA256, base64url)', () => {
  const tokens = new UnsubscribeTokens(SECRET);

  it('verifies what it signed and names the contact and campaign', () => {
    const t = tokens.sign({ contactId: '01JCONTACT0000000000000000', campaignId: '01JCAMPAIGN000000000000000' });
    expect(t).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(tokens.verify(t)).toEqual({ contactId: '01JCONTACT0000000000000000', campaignId: '01JCAMPAIGN000000000000000' });
  });

  it('refuses any single-character change, any other secret, and junk', () => {
    fc.assert(fc.property(
      fc.string({ minLength: 1, maxLength: 40 }).filter((s) => !s.includes('\u0000')),
      fc.string({ minLength: 1, maxLength: 40 }).filter((s) => !s.includes('\u0000')),
      fc.nat(), fc.constantFrom(...'ABCabc019-_'.split('')),
      (contactId, campaignId, pos, ch) => {
        const t = tokens.sign({ contactId, campaignId });
        expect(tokens.verify(t)).toEqual({ contactId, campaignId });
        const i = pos % t.length;
        const altered = t.slice(0, i) + ch + t.slice(i + 1);
        if (altered !== t) expect(tokens.verify(altered)).toBeNull();
      },
    ), { numRuns: 300 });
    const t = tokens.sign({ contactId: 'c1', campaignId: 'k1' });
    expect(new UnsubscribeTokens(`${SECRET}x`).verify(t)).toBeNull();
    for (const junk of ['', '.', 'abc', 'a.b', `${t}.x`, t.replace('.', ''), 'x'.repeat(600)]) expect(tokens.verify(junk)).toBeNull();
  });

  it('cannot be re-aimed at another contact by swapping the ids part', () => {
    const a = tokens.sign({ contactId: 'alice', campaignId: 'k1' });
    const b = tokens.sign({ contactId: 'bob', campaignId: 'k1' });
    const forged = `${b.split('.')[0]}.${a.split('.')[1]}`;
    expect(tokens.verify(forged)).toBeNull();
    expect(parseUnsubscribeToken(forged)?.contactId).toBe('bob');
  });
});
