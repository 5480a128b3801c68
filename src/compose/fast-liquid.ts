/**
 * A compiled renderer for the Liquid subset most email templates use: text with `{{ path | filter: arg }}`
 * outputs, where path is `name(.name)*` and filters are default, upcase, downcase, append, prepend, strip.
 * It renders exactly as liquidjs does (same stringification, same HTML escaping) and is many times faster:
 * bench/RESULTS.md has the measurement. Anything else (tags, whitespace control, other filters, brackets)
 * returns null at compile time and the caller uses liquidjs.
 */

type Filter = (v: unknown) => unknown;
type Part = string | { path: string[]; filters: Filter[] };

/** A template compiled to parts; render with variables. */
export type FastTemplate = (vars: Record<string, unknown>) => string;

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' };
const NEEDS_ESCAPE = /[&<>"']/;
const escapeHtml = (s: string): string => (NEEDS_ESCAPE.test(s) ? s.replace(/[&<>"']/g, (c) => ESCAPES[c]!) : s);

/** liquidjs's stringify: strings as they are, nil as '', arrays joined, the rest through String(). */
function stringify(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === undefined || v === null) return '';
  if (Array.isArray(v)) return v.map(stringify).join('');
  return String(v);
}

const ARG = String.raw`(?:'([^']*)'|"([^"]*)"|(-?\d+(?:\.\d+)?))`;
const FILTER = new RegExp(String.raw`^\s*([a-z_]+)\s*(?::\s*${ARG})?\s*$`);
const PATH = /^\s*([A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)*)\s*$/;
// Literals in liquidjs, not variables: leave them to it.
const LITERALS = new Set(['empty', 'blank', 'nil', 'null', 'true', 'false']);
const own = (v: unknown, k: string): boolean => Object.prototype.hasOwnProperty.call(v, k);

/** liquidjs's readProperty for JSON values (ownPropertyOnly): own properties, with size/first/last special. */
function readProperty(v: unknown, k: string): unknown {
  if (v === undefined || v === null) return v;
  const value = own(v, k) ? (v as Record<string, unknown>)[k] : undefined;
  if (k === 'size') {
    if (own(v, 'size') || (v as Record<string, unknown>).size !== undefined) return (v as Record<string, unknown>).size;
    if (Array.isArray(v) || typeof v === 'string') return v.length;
    return typeof v === 'object' ? Object.keys(v).length : undefined;
  }
  if (k === 'first' && Array.isArray(v)) return v[0];
  if (k === 'last' && Array.isArray(v)) return v[v.length - 1];
  return value;
}

function filterOf(name: string, arg: string | number | undefined): Filter | null {
  switch (name) {
    case 'default':
      if (arg === undefined) return null;
      // liquidjs: empty strings and arrays, false, nil take the default; 0 does not.
      return (v) => ((typeof v === 'string' || Array.isArray(v)) ? (v.length ? v : arg) : v === false || v === undefined || v === null ? arg : v);
    case 'upcase':
      return arg === undefined ? (v) => stringify(v).toUpperCase() : null;
    case 'downcase':
      return arg === undefined ? (v) => stringify(v).toLowerCase() : null;
    case 'append':
      return arg === undefined ? null : (v) => stringify(v) + stringify(arg);
    case 'prepend':
      return arg === undefined ? null : (v) => stringify(arg) + stringify(v);
    case 'strip':
      return arg === undefined ? (v) => stringify(v).trim() : null;
    default:
      return null;
  }
}

function parseOutput(expr: string): Part | null {
  const [head, ...filterTexts] = expr.split('|');
  const p = PATH.exec(head!);
  if (!p) return null;
  const path = p[1]!.split('.');
  if (LITERALS.has(path[0]!)) return null;
  const filters: Filter[] = [];
  for (const ft of filterTexts) {
    const m = FILTER.exec(ft);
    if (!m) return null;
    const arg = m[2] ?? m[3] ?? (m[4] !== undefined ? Number(m[4]) : undefined);
    const f = filterOf(m[1]!, arg);
    if (!f) return null;
    filters.push(f);
  }
  return { path, filters };
}

/** Compile `source`, or return null when it uses anything outside the subset. `escape` HTML-escapes outputs. */
export function compileFast(source: string, escape: boolean): FastTemplate | null {
  if (source.includes('{%') || source.includes('{{-') || source.includes('-}}')) return null;
  const parts: Part[] = [];
  let i = 0;
  for (;;) {
    const open = source.indexOf('{{', i);
    if (open < 0) {
      parts.push(source.slice(i));
      break;
    }
    const close = source.indexOf('}}', open + 2);
    if (close < 0) return null;
    parts.push(source.slice(i, open));
    const out = parseOutput(source.slice(open + 2, close));
    if (!out) return null;
    parts.push(out);
    i = close + 2;
  }
  if (parts.some((p) => typeof p === 'string' && (p.includes('}}') || p.includes('{%')))) return null;
  return (vars) => {
    let s = '';
    for (const part of parts) {
      if (typeof part === 'string') {
        s += part;
        continue;
      }
      let v: unknown = vars;
      for (const k of part.path) v = readProperty(v, k);
      for (const f of part.filters) v = f(v);
      const text = stringify(v);
      s += escape ? escapeHtml(text) : text;
    }
    return s;
  };
}
