import { describe, it, expect } from 'vitest';
import { packDrafts, parseSendBatch, unpackDrafts, type DraftContext } from './send-batch-parse.js';
import { AppError } from '../domain/errors.js';

const ctx: DraftContext = {
  now: Date.parse('2026-11-23T10:00:00Z'),
  defaultFrom: { address: 'shop@example.com', name: 'Shop', domain: 'example.com' },
  checkInline: (src, p) => {
    if (src.html.includes('{{ broken')) throw new AppError('TEMPLATE_SYNTAX', `${p}html: unclosed output`, { field: `${p}html` });
  },
};
const parse = (body: string) => parseSendBatch(Buffer.from(body), ctx);

describe('parseSendBatch', () => {
  it('drafts valid items as columns, JSON already serialized, and reports invalid ones by index', () => {
    const r = parse(JSON.stringify({
      messages: [
        { to: 'Ann <ann@example.org>', template_id: 'welcome', variables: { n: 1, deep: { a: ['x'] } }, priority: 'high', tags: ['t'] },
        { to: 'nope' },
        { to: 'bob@example.net', from: 'Ops <ops@example.com>', subject: 'Hi', text: 'plain', send_at: '2026-11-24T10:00:00Z', headers: { 'X-A': 'b' }, idempotency_key: 'k1' },
        { to: 'c@example.com', subject: 's', html: '{{ broken' },
      ],
    }));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.items).toBe(4);
    expect(r.rejected).toEqual([
      { index: 1, code: 'VALIDATION_FAILED', message: expect.stringMatching(/^messages\[1\]\.to: /), field: 'messages[1].to' },
      { index: 3, code: 'TEMPLATE_SYNTAX', message: 'messages[3].html: unclosed output', field: 'messages[3].html' },
    ]);
    expect(r.drafts).toEqual({
      index: [0, 2],
      toAddress: ['ann@example.org', 'bob@example.net'], toName: ['Ann', null], toDomain: ['example.org', 'example.net'],
      fromAddress: ['shop@example.com', 'ops@example.com'], fromName: ['Shop', 'Ops'], replyTo: [null, null],
      templateId: ['welcome', null], subject: [null, 'Hi'], html: [null, null], text: [null, 'plain'],
      variables: ['{"n":1,"deep":{"a":["x"]}}', '{}'], headers: ['{}', '{"X-A":"b"}'], tags: ['["t"]', '[]'],
      priority: [1, 2], dueAt: [null, Date.parse('2026-11-24T10:00:00Z')], idempotencyKey: [null, 'k1'], senderPool: [null, null],
    });
  });

  // The errors the route's Ajv validation gave for the envelope, and Fastify's JSON parser for the body.
  const refused: Array<[string, string, string, string]> = [
    ['an empty body', '', '(body)', '(body): a JSON body is required'],
    ['invalid JSON', '{"messages": [', '(body)', "(body): Body is not valid JSON but content-type is set to 'application/json'"],
    ['a __proto__ key', '{"messages":[{"to":"a@b.com","subject":"s","text":"t","variables":{"__proto__":{"x":1}}}]}', '(body)', "(body): Body is not valid JSON but content-type is set to 'application/json'"],
    ['an array body', '[]', '(body)', '(body): must be object'],
    ['no messages', '{}', 'messages', 'messages: is required'],
    ['an unknown top-level field', '{"messages":[{"to":"a@b.com"}],"dry_run":true}', 'dry_run', 'dry_run: is not a known field'],
    ['messages not an array', '{"messages":{"to":"a@b.com"}}', 'messages', 'messages: must be array'],
    ['no messages in the array', '{"messages":[]}', 'messages', 'messages: must NOT have fewer than 1 items'],
  ];
  for (const [what, body, field, message] of refused) {
    it(`refuses ${what} as a whole, naming ${field}`, () => {
      expect(parse(body)).toEqual({ ok: false, error: { code: 'VALIDATION_FAILED', message, field } });
    });
  }

  it('refuses a batch of more than 10,000 items with BATCH_TOO_LARGE', () => {
    const r = parse(JSON.stringify({ messages: Array.from({ length: 10_001 }, () => ({ to: 'a@b.com' })) }));
    expect(r).toEqual({ ok: false, error: { code: 'BATCH_TOO_LARGE', message: 'messages: a batch holds at most 10000 messages, got 10001', field: 'messages' } });
  });

  it('reads UTF-8 and a byte order mark', () => {
    const r = parse(`\uFEFF${JSON.stringify({ messages: [{ to: 'Zoë <zoe@example.com>', subject: 'Grüße', text: '✓' }] })}`);
    expect(r.ok && [r.drafts.toName[0], r.drafts.subject[0], r.drafts.text[0]]).toEqual(['Zoë', 'Grüße', '✓']);
  });

  it('packs columns of one value as that value for posting, and unpacks them to the same drafts', () => {
    const r = parse(JSON.stringify({ messages: Array.from({ length: 3 }, (_, i) => ({ to: `u${i}@example.com`, template_id: 't', variables: { i } })) }));
    if (!r.ok) throw new Error('expected drafts');
    const packed = packDrafts(r.drafts);
    expect(packed.templateId).toEqual({ same: 't' });
    expect(packed.toAddress).toEqual(['u0@example.com', 'u1@example.com', 'u2@example.com']);
    expect(unpackDrafts(structuredClone(packed))).toEqual(r.drafts);
  });
});
