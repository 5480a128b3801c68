import type { ActivityType } from './contact-activity.js';

/**
 * A segment rule in its validated form (segment-parse.ts turns the JSON people write into this). One rule is
 * compiled to SQL for both stores (adapters/store/segment-sql.ts) and evaluated in memory against one contact
 * (segment-evaluate.ts) with the same result; the semantics are written down in docs/adr/0014-segment-rules.md.
 */
export type RuleNode =
  | { kind: 'all'; rules: RuleNode[] }
  | { kind: 'any'; rules: RuleNode[] }
  | { kind: 'not'; rule: RuleNode }
  | FieldRule
  | AttrRule
  | { kind: 'tag'; tag: string }
  | EventRule;

/** Activity of a kind, optionally within the last days and from one campaign (`{event:"sent", campaign:"01K…"}`). */
export interface EventRule {
  kind: 'event';
  event: ActivityType;
  withinDays: number | null;
  /** Only activity that came from this campaign's messages; null: any. */
  campaignId: string | null;
}

/** Contact fields a rule can compare, by type. */
export const RULE_FIELDS = {
  email: 'text',
  external_id: 'text',
  first_name: 'text',
  last_name: 'text',
  company: 'text',
  status: 'text',
  engagement_score: 'number',
  last_engagement: 'time',
  created_at: 'time',
  updated_at: 'time',
} as const;

/** A contact field a rule can compare. */
export type RuleField = keyof typeof RULE_FIELDS;

/** Comparison operators. */
export const RULE_OPS = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'contains', 'starts_with', 'exists', 'in'] as const;

/** One comparison operator. */
export type RuleOp = (typeof RULE_OPS)[number];

/**
 * A comparison on a contact field. `values` holds the operand (one value; the list for `in`; none for `exists`):
 * strings for text fields, numbers for engagement_score (points), epoch ms for time fields.
 */
export interface FieldRule {
  kind: 'field';
  field: RuleField;
  op: RuleOp;
  values: (string | number)[];
}

/** A scalar a custom attribute can be compared with. */
export type AttrScalar = string | number | boolean;

/** A comparison on a custom attribute (`attributes[key]`), typed by the JSON type of the operand. */
export interface AttrRule {
  kind: 'attr';
  key: string;
  op: RuleOp;
  values: AttrScalar[];
}

/** Milliseconds in a day: `within_days: n` means at or after `now − n × DAY_MS`. */
export const DAY_MS = 86_400_000;

/** True when `name` is a rule field. */
export function isRuleField(name: string): name is RuleField {
  return Object.hasOwn(RULE_FIELDS, name);
}
