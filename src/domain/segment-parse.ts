import { AppError } from './errors.js';
import { isContactStatus } from './contact.js';
import { ACTIVITY_TYPES, isActivityType } from './contact-activity.js';
import { attributeKeyProblem, tagProblem } from './contact-text.js';
import { RULE_FIELDS, RULE_OPS, isRuleField, type AttrScalar, type RuleNode, type RuleOp } from './segment-rule.js';

/** Limits that keep one rule's SQL and evaluation small. */
export const RULE_LIMITS = { depth: 12, nodes: 500, inValues: 1000, string: 1000, withinDays: 36_500 } as const;

const NODE_KEYS = ['all', 'any', 'not', 'attr', 'tag', 'status', 'engagement_score', 'event'] as const;
const CAMPAIGN_ID = /^[A-Za-z0-9_-]{1,128}$/;
const ISO = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2}))?$/i;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const OPS_BY_TYPE: Record<'text' | 'number' | 'time', readonly RuleOp[]> = {
  text: ['eq', 'neq', 'contains', 'starts_with', 'exists', 'in'],
  number: ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'exists', 'in'],
  time: ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'exists'],
};
const SCORE_OPS = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte'] as const;

const fail = (path: string, message: string): never => {
  throw new AppError('SEGMENT_RULE_INVALID', `${path}: ${message}`, { field: path });
};
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Validate a rule as people write it (JSON) and return its checked form. Throws SEGMENT_RULE_INVALID naming the
 * offending path, e.g. `rule.all[2].op`. Grammar: `{all:[…]}`, `{any:[…]}`, `{not:…}`, `{attr, op, value}`,
 * `{tag}`, `{status}`, `{engagement_score:{gte:…}}`, `{event, within_days?, campaign?}`.
 */
export function parseRule(json: unknown, path = 'rule'): RuleNode {
  const count = { nodes: 0 };
  return node(json, path, 1, count);
}

function node(v: unknown, path: string, depth: number, count: { nodes: number }): RuleNode {
  if (depth > RULE_LIMITS.depth) fail(path, `is nested more than ${RULE_LIMITS.depth} levels deep`);
  if (++count.nodes > RULE_LIMITS.nodes) fail(path, `the rule has more than ${RULE_LIMITS.nodes} parts`);
  if (!isObject(v)) return fail(path, 'must be an object such as {"all":[…]}, {"attr":…} or {"tag":…}');
  const kind = NODE_KEYS.find((k) => Object.hasOwn(v, k));
  if (!kind) return fail(path, `must have one of the keys ${NODE_KEYS.join(', ')}`);
  switch (kind) {
    case 'all':
    case 'any': {
      only(v, path, [kind]);
      const list = v[kind];
      if (!Array.isArray(list)) return fail(`${path}.${kind}`, 'must be an array of rules');
      return { kind, rules: list.map((r, i) => node(r, `${path}.${kind}[${i}]`, depth + 1, count)) };
    }
    case 'not':
      only(v, path, ['not']);
      return { kind: 'not', rule: node(v.not, `${path}.not`, depth + 1, count) };
    case 'tag': {
      only(v, path, ['tag']);
      if (typeof v.tag !== 'string') return fail(`${path}.tag`, 'must be a string');
      const p = tagProblem(v.tag);
      if (p) fail(`${path}.tag`, p);
      return { kind: 'tag', tag: v.tag as string };
    }
    case 'status':
      only(v, path, ['status']);
      if (!isContactStatus(v.status)) return fail(`${path}.status`, 'must be one of subscribed, unsubscribed, bounced, complained');
      return { kind: 'field', field: 'status', op: 'eq', values: [v.status] };
    case 'engagement_score':
      return score(v, path);
    case 'event': {
      only(v, path, ['event', 'within_days', 'campaign']);
      if (!isActivityType(v.event)) return fail(`${path}.event`, `must be one of ${ACTIVITY_TYPES.join(', ')}`);
      const d = v.within_days;
      if (d !== undefined && (typeof d !== 'number' || !Number.isInteger(d) || d < 1 || d > RULE_LIMITS.withinDays)) {
        fail(`${path}.within_days`, `must be a whole number of days from 1 to ${RULE_LIMITS.withinDays}`);
      }
      const camp = v.campaign;
      if (camp !== undefined && (typeof camp !== 'string' || !CAMPAIGN_ID.test(camp))) fail(`${path}.campaign`, 'must be a campaign id (1 to 128 letters, digits, "-" or "_")');
      return { kind: 'event', event: v.event, withinDays: (d as number | undefined) ?? null, campaignId: (camp as string | undefined) ?? null };
    }
    case 'attr':
      return comparison(v, path);
  }
}

function only(v: Record<string, unknown>, path: string, keys: string[]): void {
  const extra = Object.keys(v).find((k) => !keys.includes(k));
  if (extra !== undefined) fail(`${path}.${extra}`, `is not allowed here (this part takes ${keys.join(', ')})`);
}

function score(v: Record<string, unknown>, path: string): RuleNode {
  only(v, path, ['engagement_score']);
  const s = v.engagement_score;
  const p = `${path}.engagement_score`;
  if (!isObject(s) || Object.keys(s).length === 0) return fail(p, `must be an object such as {"gte": 1.5} (keys ${SCORE_OPS.join(', ')})`);
  const parts: RuleNode[] = [];
  for (const [op, value] of Object.entries(s)) {
    if (!(SCORE_OPS as readonly string[]).includes(op)) fail(`${p}.${op}`, `is not an operator here (use ${SCORE_OPS.join(', ')})`);
    if (typeof value !== 'number' || !Number.isFinite(value)) fail(`${p}.${op}`, 'must be a number');
    parts.push({ kind: 'field', field: 'engagement_score', op: op as RuleOp, values: [value as number] });
  }
  return parts.length === 1 ? parts[0]! : { kind: 'all', rules: parts };
}

function comparison(v: Record<string, unknown>, path: string): RuleNode {
  only(v, path, ['attr', 'op', 'value']);
  const name = v.attr;
  if (typeof name !== 'string') return fail(`${path}.attr`, 'must be a string: a contact field or an attribute name');
  if (!(RULE_OPS as readonly string[]).includes(v.op as string)) return fail(`${path}.op`, `must be one of ${RULE_OPS.join(', ')}`);
  const op = v.op as RuleOp;
  const vp = `${path}.value`;
  if (op === 'exists') {
    if (Object.hasOwn(v, 'value')) fail(vp, 'must be left out for "exists"');
  } else if (!Object.hasOwn(v, 'value')) {
    fail(vp, 'is required');
  }
  if (isRuleField(name)) {
    const type = RULE_FIELDS[name];
    if (!OPS_BY_TYPE[type].includes(op)) fail(`${path}.op`, `"${op}" does not apply to ${name} (a ${type} field: ${OPS_BY_TYPE[type].join(', ')})`);
    if (op === 'exists') return { kind: 'field', field: name, op, values: [] };
    const values = op === 'in' ? list(v.value, vp) : [v.value];
    const typed = values.map((x, i) => {
      const xp = op === 'in' ? `${vp}[${i}]` : vp;
      if (type === 'number') return typeof x === 'number' && Number.isFinite(x) ? x : fail(xp, 'must be a number');
      if (type === 'time') {
        const ms = typeof x === 'string' && ISO.test(x) ? Date.parse(x) : NaN;
        return Number.isFinite(ms) ? ms : fail(xp, 'must be an ISO 8601 date or date-time, e.g. 2025-01-31T00:00:00Z');
      }
      const s = text(x, xp);
      if (name === 'status' && op !== 'contains' && op !== 'starts_with' && !isContactStatus(s)) fail(xp, 'must be one of subscribed, unsubscribed, bounced, complained');
      if ((op === 'contains' || op === 'starts_with') && s === '') fail(xp, 'must not be empty');
      return s;
    });
    return { kind: 'field', field: name, op, values: typed };
  }
  const kp = attributeKeyProblem(name);
  if (kp) fail(`${path}.attr`, `is not a contact field (${Object.keys(RULE_FIELDS).join(', ')}), and as an attribute name it ${kp}`);
  if (op === 'exists') return { kind: 'attr', key: name, op, values: [] };
  const values = op === 'in' ? list(v.value, vp) : [v.value];
  const typed = values.map((x, i): AttrScalar => {
    const xp = op === 'in' ? `${vp}[${i}]` : vp;
    if (op === 'gt' || op === 'gte' || op === 'lt' || op === 'lte') {
      return typeof x === 'number' && Number.isFinite(x) ? x : fail(xp, `must be a number ("${op}" compares numbers only)`);
    }
    if (op === 'contains' || op === 'starts_with') {
      const s = text(x, xp);
      return s === '' ? fail(xp, 'must not be empty') : s;
    }
    if (typeof x === 'boolean') return x;
    if (typeof x === 'number') return Number.isFinite(x) ? x : fail(xp, 'must be a finite number');
    if (typeof x === 'string') return text(x, xp);
    return fail(xp, 'must be a string, number or boolean');
  });
  return { kind: 'attr', key: name, op, values: typed };
}

function list(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v) || v.length === 0) return fail(path, 'must be a non-empty array for "in"');
  if (v.length > RULE_LIMITS.inValues) fail(path, `must hold at most ${RULE_LIMITS.inValues} values`);
  return v as unknown[];
}

function text(x: unknown, path: string): string {
  if (typeof x !== 'string') return fail(path, 'must be a string');
  if (x.length > RULE_LIMITS.string) fail(path, `must be at most ${RULE_LIMITS.string} characters`);
  if (x.includes('\u0000') || LONE_SURROGATE.test(x)) fail(path, 'must not contain NUL or unpaired surrogates');
  return x;
}
