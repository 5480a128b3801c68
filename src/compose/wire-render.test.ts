import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { compileWire } from './fast-liquid.js';
import { buildMime, lastEightBitParts, type MimeInput } from './mime.js';
import { sevenBitCopy } from './mime-encoding.js';
import { TemplateEngine } from './template-engine.js';

// The wire way (TemplateEngine.renderMime: bodies rendered straight into bytes with CRLF line ends) must give the
// same bytes as rendering strings and converting them. Texts and values are drawn from pieces that stress the
// conversion: line breaks of every kind (also split between a text and a value), halves of surrogate pairs,
// characters that need escaping, long lines, whitespace that the text part's trim removes.
const TEXTS = ['a', ' ', '  ', '\n', '\r', '\r\n', 'é', '—', '.', '\n.', '😀', '\ud83d', '\ude00', '<b>', 'x'.repeat(990), '\t', 'Hello, ', ''];
const OUTPUTS = ['{{ a }}', '{{ b }}', '{{ a | upcase }}', '{{ c | default: "z" }}', '{{ d.e }}', '{{ n }}', '{{ a | append: "é" }}', '{{ a | strip }}'];
const VALUES = ['', ' ', 'x', 'A&B', '<i>', '\n', 'a\nb', '\r', 'é', '\ude00', '\ud83d', '😀', '"q"', "it's", '  pad  ', 'y'.repeat(995), '€42.00', 'Zoë — ½ ✓', 'ß😀€', '\u07ff\u0800\uffff'];

const source = fc.array(fc.oneof(fc.constantFrom(...TEXTS), fc.constantFrom(...OUTPUTS)), { maxLength: 8 }).map((p) => p.join(''));
const value = fc.constantFrom(...VALUES);
const variables = fc.record({ a: value, b: value, c: fc.option(value), d: fc.record({ e: value }), n: fc.constantFrom(42, 1.5) });

const BOUNDARY = /pf-[A-Za-z0-9_-]{12}-[0-9a-z]+/g;
const bytes = (input: MimeInput): string => buildMime(input).toString('latin1').replace(BOUNDARY, 'B');
const base = { from: { address: 'shop@example.com', domain: 'example.com' }, to: { address: 'ann@example.org', domain: 'example.org' }, replyTo: null, headers: {}, messageId: 'm@example.com', date: 0 };

describe('rendering for the wire', () => {
  it('gives the same message bytes as rendering strings, for any template and values', () => {
    let wired = 0;
    fc.assert(
      fc.property(source, fc.option(source), fc.array(variables, { minLength: 1, maxLength: 4 }), (html, text, varsList) => {
        const engine = new TemplateEngine();
        const c = engine.compile({ subject: 'Hi {{ a }}', html, text });
        if (c.html.wire || c.text?.wire) wired++;
        for (const vars of varsList) {
          const strings = engine.render(c, vars);
          const mime = engine.renderMime(c, vars);
          expect(bytes({ ...base, subject: mime.subject, html: mime.html, text: mime.text })).toBe(bytes({ ...base, subject: strings.subject, html: strings.html, text: strings.text }));
        }
      }),
      { numRuns: 3000, seed: 20261201 },
    );
    // The property says something only if the wire way was taken often.
    expect(wired).toBeGreaterThan(300);
  });

  it('gives, turned to 7 bits, the bytes of the message composed without 8bit, for any template and values', () => {
    let eight = 0;
    fc.assert(
      fc.property(source, fc.option(source), variables, (html, text, vars) => {
        const engine = new TemplateEngine();
        const c = engine.compile({ subject: 'Hi {{ a }}', html, text });
        const mime = engine.renderMime(c, vars);
        const input = { ...base, subject: mime.subject, html: mime.html, text: mime.text };
        const raw = Buffer.from(buildMime({ ...input, eightBit: true }));
        const parts = lastEightBitParts();
        if (parts) eight++;
        const seven = parts ? sevenBitCopy(raw, parts) : raw;
        expect(seven.toString('latin1').replace(BOUNDARY, 'B')).toBe(bytes(input));
      }),
      { numRuns: 2000, seed: 20261202 },
    );
    expect(eight).toBeGreaterThan(200);
  });

  it('is not used where it could not give the same bytes', () => {
    expect(compileWire('', true)).toBeNull(); // could be empty: the MIME structure depends on that
    expect(compileWire('{{ a }}', true)).toBeNull();
    expect(compileWire('line\r', false)).toBeNull(); // a CR that a value's LF would join
    expect(compileWire('x\ud83d{{ a }}', false)).toBeNull(); // half a surrogate pair
    expect(compileWire('  \n ', false, true)).toBeNull(); // trimmed: empty
    expect(compileWire('{% if a %}x{% endif %}', false)).toBeNull(); // outside the subset
    expect(compileWire('Hi {{ a }}\n', false, true)).not.toBeNull();
  });

  it('grows its buffers for a large message, and the next small one is whole too', () => {
    const engine = new TemplateEngine();
    const row = '<tr><td>{{ product }} — {{ price }}</td></tr>\n';
    const c = engine.compile({ subject: 's', html: row.repeat(3_000), text: 'Total {{ price }}' });
    const small = engine.compile({ subject: 's', html: '<p>{{ product }}</p>', text: null });
    const vars = { product: 'Boots', price: '€10' };
    for (const [tpl, expected] of [[c, `<tr><td>Boots — €10</td></tr>\r\n`.repeat(3_000)], [small, '<p>Boots</p>'], [c, `<tr><td>Boots — €10</td></tr>\r\n`.repeat(3_000)]] as const) {
      const mime = engine.renderMime(tpl, vars);
      const raw = buildMime({ ...base, subject: 's', html: mime.html, text: mime.text }).toString('latin1');
      const html = raw.slice(raw.lastIndexOf('Content-Type: text/html'));
      const body = html.slice(html.indexOf('\r\n\r\n') + 4).replace(/\r\n--[^\r]*--\r\n$|\r\n$/, '');
      const decoded = html.includes('base64') ? Buffer.from(body.replace(/\r\n/g, ''), 'base64').toString('utf8') : body;
      expect(decoded).toBe(expected);
      expect(bytes({ ...base, subject: 's', html: mime.html, text: mime.text })).toBe(bytes({ ...base, ...engine.render(tpl, vars) }));
    }
  });

  it('hands a value with a line break back to the string way', () => {
    const engine = new TemplateEngine();
    const c = engine.compile({ subject: 's', html: '<p>{{ a }}</p>', text: 'Dear {{ a }},\nthanks' });
    const mime = engine.renderMime(c, { a: 'Ann\nLee' });
    expect(typeof mime.html).toBe('object');
    const raw = buildMime({ ...base, subject: 's', html: mime.html, text: mime.text }).toString('latin1');
    expect(raw).toContain('Dear Ann\r\nLee,\r\nthanks');
    // A text part that the string way renders empty (here: trimmed away) leaves a one-part message, as before.
    const only = engine.compile({ subject: 's', html: '', text: '{{ a }}\n' });
    const empty = engine.renderMime(only, { a: '\n' });
    expect(typeof empty.text).toBe('object');
    const one = buildMime({ ...base, subject: 's', html: empty.html, text: empty.text }).toString('latin1');
    expect(one).toContain('Content-Type: text/html; charset=utf-8');
    expect(one).not.toContain('multipart');
  });
});
