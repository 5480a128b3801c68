import { describe, it, expect } from 'vitest';
import { AppError } from './errors.js';
import { parseRule } from './segment-parse.js';

function refusal(rule: unknown): { code: string; field?: string; message: string } {
  try {
    parseRule(rule);
  } catch (e) {
    if (e instanceof AppError) return { code: e.code, field: e.field, message: e.message };
    throw e;
  }
  throw new Error('expected a refusal');
}

describe('segment rule parsing', () => {
  it('accepts the grammar and normalises shorthands', () => {
    expect(parseRule({ all: [{ tag: 'vip' }, { status: 'subscribed' }, { engagement_score: { gte: 1.5 } }, { event: 'opened', within_days: 30 }, { not: { attr: 'plan', op: 'in', value: ['free', 3, true] } }] })).toEqual({
      kind: 'all',
      rules: [
        { kind: 'tag', tag: 'vip' },
        { kind: 'field', field: 'status', op: 'eq', values: ['subscribed'] },
        { kind: 'field', field: 'engagement_score', op: 'gte', values: [1.5] },
        { kind: 'event', event: 'opened', withinDays: 30, campaignId: null },
        { kind: 'not', rule: { kind: 'attr', key: 'plan', op: 'in', values: ['free', 3, true] } },
      ],
    });
    expect(parseRule({ engagement_score: { gt: 1, lte: 3 } })).toEqual({ kind: 'all', rules: [
      { kind: 'field', field: 'engagement_score', op: 'gt', values: [1] },
      { kind: 'field', field: 'engagement_score', op: 'lte', values: [3] },
    ] });
    expect(parseRule({ attr: 'created_at', op: 'gte', value: '2025-01-01T00:00:00Z' })).toEqual({ kind: 'field', field: 'created_at', op: 'gte', values: [Date.UTC(2025, 0, 1)] });
    expect(parseRule({ attr: 'last_engagement', op: 'exists' })).toEqual({ kind: 'field', field: 'last_engagement', op: 'exists', values: [] });
    expect(parseRule({ event: 'clicked' })).toEqual({ kind: 'event', event: 'clicked', withinDays: null, campaignId: null });
    expect(parseRule({ event: 'sent', campaign: '01JCAMPAIGN0000000000000000', within_days: 7 })).toEqual({ kind: 'event', event: 'sent', withinDays: 7, campaignId: '01JCAMPAIGN0000000000000000' });
    expect(parseRule({ event: 'failed' })).toEqual({ kind: 'event', event: 'failed', withinDays: null, campaignId: null });
  });

  it('names the offending path', () => {
    expect(refusal({ all: [{ tag: 'a' }, { tag: 'b' }, { attr: 'plan', op: 'like', value: 'x' }] })).toMatchObject({ code: 'SEGMENT_RULE_INVALID', field: 'rule.all[2].op' });
    expect(refusal({ any: [{ not: { attr: 'seats', op: 'gt', value: 'ten' } }] })).toMatchObject({ field: 'rule.any[0].not.value' });
    expect(refusal({ attr: 'plan', op: 'in', value: ['a', {}] })).toMatchObject({ field: 'rule.value[1]' });
    expect(refusal({ tag: 'vip', extra: 1 })).toMatchObject({ field: 'rule.extra' });
    expect(refusal({ foo: 1 })).toMatchObject({ field: 'rule' });
    expect(refusal([])).toMatchObject({ field: 'rule' });
    expect(refusal({ all: {} })).toMatchObject({ field: 'rule.all' });
    expect(refusal({ status: 'gone' })).toMatchObject({ field: 'rule.status' });
    expect(refusal({ attr: 'status', op: 'in', value: ['subscribed', 'nope'] })).toMatchObject({ field: 'rule.value[1]' });
    expect(refusal({ attr: 'first_name', op: 'gt', value: 'a' })).toMatchObject({ field: 'rule.op' });
    expect(refusal({ attr: 'created_at', op: 'gt', value: 'yesterday' })).toMatchObject({ field: 'rule.value' });
    expect(refusal({ attr: 'plan', op: 'exists', value: true })).toMatchObject({ field: 'rule.value' });
    expect(refusal({ attr: 'plan', op: 'eq' })).toMatchObject({ field: 'rule.value' });
    expect(refusal({ attr: 'pl"an', op: 'eq', value: 1 })).toMatchObject({ field: 'rule.attr' });
    expect(refusal({ attr: 'tags', op: 'eq', value: 1 })).toMatchObject({ field: 'rule.attr' });
    expect(refusal({ event: 'opened', within_days: 0 })).toMatchObject({ field: 'rule.within_days' });
    expect(refusal({ event: 'read' })).toMatchObject({ field: 'rule.event' });
    expect(refusal({ event: 'sent', campaign: '' })).toMatchObject({ field: 'rule.campaign' });
    expect(refusal({ event: 'sent', campaign: 'a b' })).toMatchObject({ field: 'rule.campaign' });
    expect(refusal({ event: 'sent', campaign: 7 })).toMatchObject({ field: 'rule.campaign' });
    expect(refusal({ engagement_score: { between: 1 } })).toMatchObject({ field: 'rule.engagement_score.between' });
    expect(refusal({ attr: 'plan', op: 'contains', value: '' })).toMatchObject({ field: 'rule.value' });
    expect(refusal({ attr: 'plan', op: 'eq', value: 'a\u0000' })).toMatchObject({ field: 'rule.value' });
  });

  it('bounds depth and size', () => {
    let deep: unknown = { tag: 'x' };
    for (let i = 0; i < 12; i++) deep = { not: deep };
    expect(refusal(deep).message).toMatch(/nested more than 12/);
    expect(refusal({ any: Array.from({ length: 501 }, () => ({ tag: 'x' })) }).message).toMatch(/more than 500 parts/);
  });
});
