import { isContactStatus, type ContactStatus } from './contact.js';
import { normaliseContactEmail } from './contact-email.js';
import { MAX_TAGS, attributeKeyProblem, attributesProblem, tagProblem, textProblem } from './contact-text.js';

/** Contact fields a CSV column can fill. */
export const CSV_FIELDS = ['email', 'external_id', 'first_name', 'last_name', 'company', 'status', 'tags', 'attributes'] as const;

/** A contact field a CSV column can fill. */
export type CsvField = (typeof CSV_FIELDS)[number];

/** How a typed attribute column's text is read. */
export type AttrType = 'string' | 'number' | 'boolean' | 'json';

/** What one CSV column fills: a field, one attribute (typed), or nothing. */
export type ColumnTarget = { kind: 'field'; field: CsvField } | { kind: 'attr'; key: string; type: AttrType } | { kind: 'ignore' };

/** The target of each column of a header, in order. */
export interface ColumnMapping {
  header: string[];
  columns: ColumnTarget[];
}

/** A file-level mapping problem (reported as CSV_INVALID): the field (`header`, `map.Column`) and why. */
export interface MappingProblem {
  field: string;
  message: string;
}

/** One valid CSV row, as fields to write; undefined = the file gave no value (an existing contact keeps its own). */
export interface ImportRow {
  /** First physical line of the record in the file (the header is line 1). */
  line: number;
  email: string;
  externalId?: string;
  firstName?: string;
  lastName?: string;
  company?: string;
  status?: ContactStatus;
  tags: string[];
  attributes: Record<string, unknown>;
}

/** Why one row was not imported. */
export interface RowError {
  line: number;
  field: string | null;
  message: string;
}

// Header names (lower-cased, spaces and dashes as "_") that fill a field without a --map.
const ALIASES: Record<string, CsvField> = {
  email: 'email', email_address: 'email', e_mail: 'email',
  external_id: 'external_id',
  first_name: 'first_name', firstname: 'first_name', given_name: 'first_name',
  last_name: 'last_name', lastname: 'last_name', surname: 'last_name', family_name: 'last_name',
  company: 'company', status: 'status', tags: 'tags', attributes: 'attributes',
};
// Columns of our own export that an import does not write (they are computed, not imported).
const READ_ONLY = new Set(['id', 'engagement_score', 'last_engagement', 'created_at', 'updated_at']);
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const TRUE = new Set(['true', 'yes', 'y', '1']);
const FALSE = new Set(['false', 'no', 'n', '0']);

// A cell's value quoted for a message: escaped (a quoted cell may hold line breaks) and cut short.
const show = (v: string) => JSON.stringify(v.length > 80 ? `${v.slice(0, 80)}…` : v);
const canonical = (h: string) => h.trim().toLowerCase().replace(/[\s-]+/g, '_');

/** Parse one `--map` target: a field name, `attributes.KEY[:string|number|boolean|json]`, or `-` to ignore. */
export function parseTarget(spec: string): ColumnTarget | string {
  const s = spec.trim();
  if (s === '-' || s === 'ignore') return { kind: 'ignore' };
  if ((CSV_FIELDS as readonly string[]).includes(s)) return { kind: 'field', field: s as CsvField };
  const m = /^attributes\.(.+?)(?::(string|number|boolean|json))?$/.exec(s);
  if (!m) return `"${s}" is not a target: use one of ${CSV_FIELDS.join(', ')}, attributes.NAME[:string|number|boolean|json], or - to ignore`;
  const p = attributeKeyProblem(m[1]!);
  if (p) return `attribute name "${m[1]}" ${p}`;
  return { kind: 'attr', key: m[1]!, type: (m[2] as AttrType | undefined) ?? 'string' };
}

/**
 * Decide what each column fills. Default: header names that match a field fill it (case-insensitive; a few
 * aliases such as "E-mail" or "Surname"), our export's computed columns are ignored, columns without a name
 * are ignored, and every other column becomes a string attribute named as in the header. `overrides` maps a
 * header name to a target (see parseTarget). Exactly one column must fill `email`.
 */
export function buildColumnMapping(header: string[], overrides: Record<string, string> = {}): ColumnMapping | MappingProblem {
  const names = header.map((h) => h.trim());
  const columns: ColumnTarget[] = names.map((name, i) => {
    if (name === '') return { kind: 'ignore' };
    const c = canonical(name);
    if (ALIASES[c]) return { kind: 'field', field: ALIASES[c]! };
    if (READ_ONLY.has(c)) return { kind: 'ignore' };
    return { kind: 'attr', key: name, type: 'string' as const };
  });
  for (const [col, spec] of Object.entries(overrides)) {
    let i = names.indexOf(col.trim());
    if (i < 0) i = names.findIndex((n) => n.toLowerCase() === col.trim().toLowerCase());
    if (i < 0) return { field: `map.${col}`, message: `the header has no column "${col}" (columns: ${names.join(', ')})` };
    const t = parseTarget(spec);
    if (typeof t === 'string') return { field: `map.${col}`, message: t };
    columns[i] = t;
  }
  const seen = new Map<string, number>();
  for (let i = 0; i < columns.length; i++) {
    const t = columns[i]!;
    if (t.kind === 'attr') {
      const p = attributeKeyProblem(t.key);
      if (p) return { field: `header[${i}]`, message: `column "${names[i]}" would become attribute "${t.key}", whose name ${p}; map it with map ${names[i]}=attributes.OTHER or ignore it with map ${names[i]}=-` };
    }
    const key = t.kind === 'field' ? t.field : t.kind === 'attr' ? `attributes.${t.key}` : null;
    if (key === null) continue;
    if (seen.has(key)) return { field: `header[${i}]`, message: `columns "${names[seen.get(key)!]}" and "${names[i]}" both fill ${key}` };
    seen.set(key, i);
  }
  if (!seen.has('email')) return { field: 'header', message: `no email column (the header is: ${names.join(', ')}); name one "email" or map it with map COLUMN=email` };
  return { header: names, columns };
}

/** Read one data record (its cells, its first line) through the mapping: a row to import or the reason it is refused. */
export function mapRecord(m: ColumnMapping, cells: string[], line: number): ImportRow | RowError {
  const err = (field: string | null, message: string): RowError => ({ line, field, message });
  if (cells.length !== m.columns.length) return err(null, `has ${cells.length} fields; the header has ${m.columns.length}`);
  const row: ImportRow = { line, email: '', tags: [], attributes: {} };
  let jsonAttrs: Record<string, unknown> | null = null;
  for (let i = 0; i < cells.length; i++) {
    const t = m.columns[i]!;
    if (t.kind === 'ignore') continue;
    const v = cells[i]!.trim();
    if (t.kind === 'attr') {
      if (v === '') continue;
      const field = `attributes.${t.key}`;
      const parsed = attrValue(t.type, v);
      if (parsed instanceof CellProblem) return err(field, parsed.message);
      row.attributes[t.key] = parsed;
      continue;
    }
    const f = t.field;
    if (f === 'email') {
      const e = normaliseContactEmail(v);
      if (typeof e !== 'string') return err('email', `${show(v)} ${e.problem}`);
      row.email = e;
      continue;
    }
    if (v === '') continue;
    if (f === 'status') {
      const s = v.toLowerCase();
      if (!isContactStatus(s)) return err('status', `${show(v)} is not a status (subscribed, unsubscribed, bounced, complained)`);
      row.status = s;
    } else if (f === 'tags') {
      const tags = [...new Set(v.split(/[,;]/).map((x) => x.trim()).filter((x) => x !== ''))];
      for (const tag of tags) {
        const p = tagProblem(tag);
        if (p) return err('tags', `tag ${show(tag)} ${p}`);
      }
      if (tags.length > MAX_TAGS) return err('tags', `more than ${MAX_TAGS} tags`);
      row.tags = tags;
    } else if (f === 'attributes') {
      let o: unknown;
      try {
        o = JSON.parse(v);
      } catch {
        return err('attributes', 'is not JSON');
      }
      if (typeof o !== 'object' || o === null || Array.isArray(o)) return err('attributes', 'must be a JSON object');
      jsonAttrs = o as Record<string, unknown>;
    } else {
      const p = textProblem(v);
      if (p) return err(f, p);
      if (f === 'external_id') row.externalId = v;
      else if (f === 'first_name') row.firstName = v;
      else if (f === 'last_name') row.lastName = v;
      else row.company = v;
    }
  }
  if (row.email === '') return err('email', 'is required');
  // Columns naming one attribute win over the same key inside an `attributes` JSON column.
  if (jsonAttrs) row.attributes = { ...jsonAttrs, ...row.attributes };
  const ap = attributesProblem(row.attributes);
  if (ap) return err(ap[0], ap[1]);
  return row;
}

/** A cell that cannot be read as its column's type (a class, so no JSON value can be mistaken for it). */
class CellProblem {
  constructor(readonly message: string) {}
}

function attrValue(type: AttrType, v: string): unknown {
  switch (type) {
    case 'string':
      return v;
    case 'number':
      return NUMBER.test(v) && Number.isFinite(Number(v)) ? Number(v) : new CellProblem(`${show(v)} is not a number`);
    case 'boolean': {
      const l = v.toLowerCase();
      return TRUE.has(l) ? true : FALSE.has(l) ? false : new CellProblem(`${show(v)} is not a boolean (true/false, yes/no, 1/0)`);
    }
    case 'json':
      try {
        return JSON.parse(v);
      } catch {
        return new CellProblem('is not JSON');
      }
  }
}
