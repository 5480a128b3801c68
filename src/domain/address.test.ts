import { describe, it, expect } from 'vitest';
import { parseMailbox } from './address.js';

describe('parseMailbox', () => {
  it.each([
    ['ann@example.com', { address: 'ann@example.com', domain: 'example.com', name: undefined }],
    ['Ann Lee <Ann.Lee+tag@Mail.Example.COM>', { address: 'Ann.Lee+tag@Mail.Example.COM', domain: 'mail.example.com', name: 'Ann Lee' }],
    ['"Lee, Ann" <ann@example.com>', { address: 'ann@example.com', domain: 'example.com', name: 'Lee, Ann' }],
    ['zoë@exämple.de', { address: 'zoë@exämple.de', domain: 'exämple.de', name: undefined }],
  ])('accepts %s', (input, expected) => {
    expect(parseMailbox(input)).toEqual(expected);
  });

  it.each([
    ['plainaddress', /local@domain/],
    ['@example.com', /local@domain/],
    ['ann@', /local@domain/],
    ['ann@localhost', /without a dot/],
    ['ann..lee@example.com', /local part/],
    ['ann@-bad.com', /domain label/],
    ['ann@example.123', /numeric/],
    [`${'a'.repeat(65)}@example.com`, /64/],
    ['Eve\r\nBcc: x@y.com <a@b.com>', /CR or LF/],
  ])('refuses %s', (input, problem) => {
    const r = parseMailbox(input);
    expect(typeof r).toBe('string');
    expect(r).toMatch(problem);
  });
});
