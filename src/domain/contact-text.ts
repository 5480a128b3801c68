import { RESERVED_CONTACT_NAMES } from './contact.js';

// C0 controls and DEL: PostgreSQL text refuses NUL, and CR/LF in a name would reach headers.
const CONTROL = /[\u0000-\u001f\u007f]/;
// A UTF-16 surrogate without its pair: not encodable as UTF-8, refused by PostgreSQL's JSON.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// Attribute keys appear quoted in SQLite JSON paths ($."key"): no quote, backslash or control character.
const KEY_FORBIDDEN = /["\\\u0000-\u001f\u007f]/;

/** Longest value of a text field (names, company, external id). */
export const MAX_TEXT = 256;
/** Most tags on one contact. */
export const MAX_TAGS = 100;
/** Most bytes of a contact's attributes serialised as JSON. */
export const MAX_ATTRIBUTES_JSON = 65_536;

/** Why a text field value is refused, or null. */
export function textProblem(s: string, max = MAX_TEXT): string | null {
  if (s.length > max) return `is longer than ${max} characters`;
  if (CONTROL.test(s)) return 'must not contain control characters (CR, LF, tab, NUL…)';
  if (LONE_SURROGATE.test(s)) return 'contains an unpaired UTF-16 surrogate';
  return null;
}

/** Why a tag is refused, or null: 1–64 characters, no control characters, no `,` or `;` (CSV list separators). */
export function tagProblem(tag: string): string | null {
  if (tag.length === 0) return 'must not be empty';
  if (tag !== tag.trim()) return 'must not start or end with spaces';
  if (/[,;]/.test(tag)) return 'must not contain "," or ";"';
  return textProblem(tag, 64);
}

/** Why an attribute key is refused, or null: 1–64 characters, not a contact field name, no quote or backslash. */
export function attributeKeyProblem(key: string): string | null {
  if (key.length === 0 || key.length > 64) return 'must be 1 to 64 characters';
  if (RESERVED_CONTACT_NAMES.has(key)) return 'is the name of a contact field, not an attribute';
  if (KEY_FORBIDDEN.test(key)) return 'must not contain quotes, backslashes or control characters';
  if (LONE_SURROGATE.test(key)) return 'contains an unpaired UTF-16 surrogate';
  return null;
}

/** A JSON value's first problem (NUL or lone surrogates in strings, non-finite numbers) as [path, message], or null. */
function jsonValueProblem(v: unknown, path: string, depth: number): [string, string] | null {
  if (depth > 16) return [path, 'is nested too deeply (16 levels at most)'];
  if (typeof v === 'string') {
    if (v.includes('\u0000')) return [path, 'must not contain NUL characters'];
    if (LONE_SURROGATE.test(v)) return [path, 'contains an unpaired UTF-16 surrogate'];
    return null;
  }
  if (typeof v === 'number') return Number.isFinite(v) ? null : [path, 'must be a finite number'];
  if (v === null || typeof v === 'boolean') return null;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const p = jsonValueProblem(v[i], `${path}[${i}]`, depth + 1);
      if (p) return p;
    }
    return null;
  }
  if (typeof v === 'object') {
    for (const [k, x] of Object.entries(v as object)) {
      if (k.includes('\u0000') || LONE_SURROGATE.test(k)) return [`${path}.${k}`, 'has a key with NUL or an unpaired surrogate'];
      const p = jsonValueProblem(x, `${path}.${k}`, depth + 1);
      if (p) return p;
    }
    return null;
  }
  return [path, 'is not a JSON value'];
}

/** The first problem of an attributes object as [field path, message] (paths start with `attributes.`), or null. */
export function attributesProblem(attrs: Record<string, unknown>, prefix = 'attributes'): [string, string] | null {
  for (const [k, v] of Object.entries(attrs)) {
    const kp = attributeKeyProblem(k);
    if (kp) return [`${prefix}.${k}`, kp];
    const p = jsonValueProblem(v, `${prefix}.${k}`, 1);
    if (p) return p;
  }
  if (JSON.stringify(attrs).length > MAX_ATTRIBUTES_JSON) return [prefix, `is larger than ${MAX_ATTRIBUTES_JSON} bytes as JSON`];
  return null;
}
