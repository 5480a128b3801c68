import { describe, it, expect } from 'vitest';
import { classifyPermanent } from './bounce-policy.js';

describe('classifyPermanent', () => {
  it.each([
    [550, '5.1.1', true],
    [550, '5.1.2', true],
    [550, '5.2.1', true],
    [552, '5.2.2', false],
    [554, '5.7.1', false],
    [552, '5.3.4', false],
    [550, undefined, true],
    [554, undefined, false],
  ])('%s %s suppresses: %s', (code, enhanced, suppress) => {
    expect(classifyPermanent(code, enhanced)).toEqual({ bounced: true, suppress });
  });
  it('is no bounce when no server answered', () => {
    expect(classifyPermanent(undefined, undefined)).toEqual({ bounced: false, suppress: false });
  });
});
