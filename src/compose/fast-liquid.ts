/**
 * A compiled renderer for the Liquid subset most email templates use: text with `{{ path | filter: arg }}`
 * outputs, where path is `name(.name)*` and filters are default, upcase, downcase, append, prepend, strip.
 * It renders exactly as liquidjs does (same stringification, same HTML escaping) and is many times faster:
 * bench/RESULTS.md has the measurement. Anything else (tags, whitespace control, other filters, brackets)
 * returns null at compile time and the caller uses liquidjs.
 */

type Filter = (v: unknown) => unknown;
/** Text, or an output: its path and filters, and `key`, its expression as written (equal keys render equally). */
type Part = string | { path: string[]; filters: Filter[]; key: string };

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
  return { path, filters, key: expr.trim() };
}

/** The parts of `source`: text and outputs, or null when it uses anything outside the subset. */
function parseParts(source: string): Part[] | null {
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
  return parts;
}

/** One output's text: the path read, the filters applied, stringified (not escaped). */
function outputValue(part: Exclude<Part, string>, vars: Record<string, unknown>): string {
  let v: unknown = vars;
  for (const k of part.path) v = readProperty(v, k);
  for (const f of part.filters) v = f(v);
  return stringify(v);
}

/** One output's text, escaped for HTML when `escape`. */
function outputText(part: Exclude<Part, string>, vars: Record<string, unknown>, escape: boolean): string {
  const text = outputValue(part, vars);
  return escape ? escapeHtml(text) : text;
}

/** Compile `source`, or return null when it uses anything outside the subset. `escape` HTML-escapes outputs. */
export function compileFast(source: string, escape: boolean): FastTemplate | null {
  const parts = parseParts(source);
  if (!parts) return null;
  return (vars) => {
    let s = '';
    for (const part of parts) s += typeof part === 'string' ? part : outputText(part, vars, escape);
    return s;
  };
}

/** Where a wire renderer writes: a buffer, the position to write at, and a way to make room. */
export interface ByteSink {
  buf: Buffer;
  pos: number;
  /** Make room for `n` more bytes at `pos` (may replace `buf`). */
  ensure(n: number): void;
}

/**
 * Renders straight into bytes for the wire: UTF-8 with every line break as CRLF. Answers false, having written
 * an unspecified part, when an output holds a line break (CR or LF) or half a surrogate pair: then the caller
 * renders the string and converts that, so that what a text and an output make together is converted exactly as
 * in the whole string.
 */
export type WireTemplate = (vars: Record<string, unknown>, sink: ByteSink) => boolean;

const LINE_BREAK = /[\r\n]/;
// What may need escaping or stops the wire way: one test for the usual value that holds neither.
const SPECIAL = /[&<>"'\r\n]/;

/**
 * Compile `source` for the wire (see WireTemplate): the text between outputs is encoded and given CRLF line ends
 * once, here, instead of for every message; `trim` renders what `.trim()` of the string would be. Null when the
 * subset does not cover it, when the output could be empty, when some text ends in a
 * CR (a CR then LF split across two texts would become two line breaks instead of one) or in half a surrogate pair.
 */
export function compileWire(source: string, escape: boolean, trim = false): WireTemplate | null {
  const parts = parseParts(source);
  // Only a text that is never empty: the MIME structure depends on whether a part is (see buildMime).
  if (!parts || parts.every((p) => typeof p !== 'string' || p === '')) return null;
  // With `trim`, what `.trim()` of the output removes lies in the first and last texts, or, where such a text is
  // only whitespace, continues into the first (last) output's value: that value is trimmed when rendering.
  let trimFirst = false;
  let trimLast = false;
  if (trim) {
    const last = parts.length - 1;
    const head = (parts[0] as string).trimStart();
    const tail = (parts[last] as string).trimEnd();
    if (last === 0) parts[0] = (parts[0] as string).trim();
    else {
      trimFirst = head === '';
      trimLast = tail === '';
      parts[0] = head;
      parts[last] = tail;
    }
    if (parts.length === 1 && parts[0] === '') return null;
  }
  if (parts.some((p) => typeof p === 'string' && (p.endsWith('\r') || splitsPair(p)))) return null;
  const compiled = parts.map((p) => (typeof p === 'string' ? Buffer.from(p.replace(/\r\n|\r|\n/g, '\r\n'), 'utf8') : p));
  const outputs = parts.filter((p): p is Exclude<Part, string> => typeof p !== 'string');
  const staticBytes = compiled.reduce((n, p) => n + ('path' in p ? 0 : p.length), 0);
  // A template repeats outputs ({{ product }} in every row): each distinct one is worked out once per render.
  const distinct = new Map<string, number>();
  const slotOf = outputs.map((o) => {
    if (!distinct.has(o.key)) distinct.set(o.key, distinct.size);
    return distinct.get(o.key)!;
  });
  const firstOf = [...distinct.values()].map((slot) => outputs[slotOf.indexOf(slot)]!);
  // Per render (renders are synchronous: one at a time per thread): each distinct output's value and its checked
  // text, valid while their stamp is the render's, and each output's text to write.
  let render = 0;
  const valueStamp = new Array<number>(firstOf.length).fill(0);
  const values: string[] = new Array(firstOf.length);
  const textStamp = new Array<number>(firstOf.length).fill(0);
  const checked: string[] = new Array(firstOf.length);
  const texts: string[] = new Array(outputs.length);
  const last = outputs.length - 1;
  // The text to write for a value, or null when the wire way cannot take it.
  const check = (text: string): string | null => {
    if (SPECIAL.test(text)) {
      if (LINE_BREAK.test(text)) return null;
      if (escape) text = escapeHtml(text);
    }
    return splitsPair(text) ? null : text;
  };
  return (vars, sink) => {
    render++;
    let need = staticBytes;
    for (let k = 0; k <= last; k++) {
      const slot = slotOf[k]!;
      if (valueStamp[slot] !== render) {
        values[slot] = outputValue(firstOf[slot]!, vars);
        valueStamp[slot] = render;
      }
      let text: string | null;
      if ((trimFirst && k === 0) || (trimLast && k === last)) {
        let t = values[slot]!;
        if (trimFirst && k === 0) t = t.trimStart();
        if (trimLast && k === last) t = t.trimEnd();
        // A value trimmed away would let the trim go on into the text beyond it: the string way does that.
        text = t === '' ? null : check(t);
      } else {
        if (textStamp[slot] !== render) {
          const c = check(values[slot]!);
          if (c === null) return false;
          checked[slot] = c;
          textStamp[slot] = render;
        }
        text = checked[slot]!;
      }
      if (text === null) return false;
      texts[k] = text;
      need += text.length * 3;
    }
    sink.ensure(need);
    const buf = sink.buf;
    let pos = sink.pos;
    let k = 0;
    for (const part of compiled) {
      if ('path' in part) pos = writeText(buf, pos, texts[k++]!);
      else {
        buf.set(part, pos);
        pos += part.length;
      }
    }
    sink.pos = pos;
    return true;
  };
}

/** True when `s` starts with a low or ends with a high surrogate: half of a pair that the text next to it may complete. */
function splitsPair(s: string): boolean {
  if (s === '') return false;
  const first = s.charCodeAt(0);
  const last = s.charCodeAt(s.length - 1);
  return (first >= 0xdc00 && first <= 0xdfff) || (last >= 0xd800 && last <= 0xdbff);
}

/**
 * Write `s` as UTF-8 at `pos`; returns the position after it. Short texts are encoded by hand (no native call: in the
 * benchmark's rows a price such as "€42.00" is written 24 times per message); a surrogate, or a text over 64
 * characters, goes to Buffer#write. The caller has made room for 3 bytes per character.
 */
function writeText(buf: Buffer, pos: number, s: string): number {
  const n = s.length;
  if (n > 64) return pos + buf.write(s, pos, 'utf8');
  let p = pos;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) buf[p++] = c;
    else if (c < 0x800) {
      buf[p++] = 0xc0 | (c >> 6);
      buf[p++] = 0x80 | (c & 0x3f);
    } else if (c < 0xd800 || c > 0xdfff) {
      buf[p++] = 0xe0 | (c >> 12);
      buf[p++] = 0x80 | ((c >> 6) & 0x3f);
      buf[p++] = 0x80 | (c & 0x3f);
    } else return pos + buf.write(s, pos, 'utf8');
  }
  return p;
}
