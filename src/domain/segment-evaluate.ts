import type { Contact } from './contact.js';
import type { CampaignActivity, LastActivity } from './contact-activity.js';
import { engagementScore } from './engagement.js';
import { DAY_MS, type AttrRule, type AttrScalar, type FieldRule, type RuleNode } from './segment-rule.js';

/**
 * What a rule is evaluated against: one contact, the latest time of each kind of its activity, and the same per
 * campaign (needed only by rules naming a campaign; absent means none).
 */
export interface ContactFacts {
  contact: Contact;
  activity: LastActivity;
  campaignActivity?: CampaignActivity;
}

/**
 * Whether the contact matches the rule at `now`, with exactly the semantics of the SQL the stores run
 * (docs/adr/0014-segment-rules.md): a missing field or attribute never satisfies a comparison (so `neq` means
 * "present and different"), attributes compare only with operands of their own JSON type, and `not` is plain
 * negation of a result that is always true or false.
 */
export function evaluateRule(rule: RuleNode, facts: ContactFacts, now: number): boolean {
  switch (rule.kind) {
    case 'all':
      return rule.rules.every((r) => evaluateRule(r, facts, now));
    case 'any':
      return rule.rules.some((r) => evaluateRule(r, facts, now));
    case 'not':
      return !evaluateRule(rule.rule, facts, now);
    case 'tag':
      return facts.contact.tags.includes(rule.tag);
    case 'event': {
      const last = rule.campaignId === null ? facts.activity[rule.event] : facts.campaignActivity?.[rule.campaignId]?.[rule.event];
      if (last === undefined) return false;
      return rule.withinDays === null || last >= now - rule.withinDays * DAY_MS;
    }
    case 'field':
      return field(rule, facts.contact);
    case 'attr':
      return attr(rule, facts.contact.attributes);
  }
}

/** The value of a rule field on a contact: text or null, the score in points, or epoch ms or null. */
function fieldValue(c: Contact, f: FieldRule['field']): string | number | null {
  switch (f) {
    case 'email': return c.email;
    case 'external_id': return c.externalId;
    case 'first_name': return c.firstName;
    case 'last_name': return c.lastName;
    case 'company': return c.company;
    case 'status': return c.status;
    case 'engagement_score': return engagementScore(c.engagementMilli);
    case 'last_engagement': return c.lastEngagement;
    case 'created_at': return c.createdAt;
    case 'updated_at': return c.updatedAt;
  }
}

function field(rule: FieldRule, c: Contact): boolean {
  const v = fieldValue(c, rule.field);
  if (v === null) return false;
  const x = rule.values[0]!;
  switch (rule.op) {
    case 'exists': return true;
    case 'eq': return v === x;
    case 'neq': return v !== x;
    case 'in': return rule.values.includes(v);
    case 'gt': return v > x;
    case 'gte': return v >= x;
    case 'lt': return v < x;
    case 'lte': return v <= x;
    case 'contains': return (v as string).includes(x as string);
    case 'starts_with': return (v as string).startsWith(x as string);
  }
}

function same(a: unknown, x: AttrScalar): boolean {
  return typeof a === typeof x && a === x;
}

function attr(rule: AttrRule, attrs: Record<string, unknown>): boolean {
  const a = Object.hasOwn(attrs, rule.key) ? attrs[rule.key] : undefined;
  if (a === undefined || a === null) return false;
  const x = rule.values[0]!;
  switch (rule.op) {
    case 'exists': return true;
    case 'eq': return same(a, x);
    case 'neq': return !same(a, x);
    case 'in': return rule.values.some((v) => same(a, v));
    case 'gt': return typeof a === 'number' && a > (x as number);
    case 'gte': return typeof a === 'number' && a >= (x as number);
    case 'lt': return typeof a === 'number' && a < (x as number);
    case 'lte': return typeof a === 'number' && a <= (x as number);
    case 'contains': return typeof a === 'string' && a.includes(x as string);
    case 'starts_with': return typeof a === 'string' && a.startsWith(x as string);
  }
}
