import { describe, it, expect } from 'vitest';
import { Liquid } from 'liquidjs';
import { compileFast } from './fast-liquid.js';

const html = new Liquid({ outputEscape: 'escape', strictFilters: true });
const plain = new Liquid({ strictFilters: true });

const SOURCES = [
  'Hello {{ name }}!',
  '<p>{{ user.given | default: "there" }} {{ user.surname | upcase }}</p>',
  '{{ a | append: "-x" | prepend: \'y-\' | downcase }}{{ b | default: 7 }}{{ missing.deep.path }}',
  '{{ n }} {{ flag }} {{ list }} {{ obj }} {{ s | strip }}',
  'no outputs at all & <b>',
  '{{ size }} {{ list.size }} {{ list.first }} {{ list.last }} {{ s.size }} {{ obj.size }} {{ user.first }} {{ s.length }} {{ n.size }}',
];

// Values of every kind a JSON body can carry, plus the edge cases of liquidjs's stringify and default.
const VALUES: unknown[] = ['', 'Ann', '<script>"x"&\'y\'</script>', ' pad ', 0, 1.5, -3, true, false, null, [], ['a', 1, null], { k: 'v' }, 'Zoë 日本', { size: 9, first: 'F', last: 'L' }, { a: 1, b: 2 }];

function randomVars(seed: number): Record<string, unknown> {
  let x = seed;
  const pick = () => VALUES[(x = (x * 1103515245 + 12345) % 2147483648) % VALUES.length];
  const vars: Record<string, unknown> = { name: pick(), a: pick(), b: pick(), n: pick(), flag: pick(), list: pick(), obj: pick(), s: pick(), size: pick(), user: { given: pick(), surname: pick(), first: pick() } };
  if (seed % 5 === 0) delete vars.user;
  return vars;
}

describe('compileFast', () => {
  it('renders exactly as liquidjs does, escaped and plain, on many random inputs', () => {
    for (const src of SOURCES) {
      const fastHtml = compileFast(src, true)!;
      const fastPlain = compileFast(src, false)!;
      expect(fastHtml).not.toBeNull();
      const th = html.parse(src);
      const tp = plain.parse(src);
      for (let seed = 1; seed <= 300; seed++) {
        const vars = randomVars(seed);
        expect(fastHtml(vars)).toBe(html.renderSync(th, vars));
        expect(fastPlain(vars)).toBe(plain.renderSync(tp, vars));
      }
    }
  });

  it('declines what it does not implement, so liquidjs renders it', () => {
    for (const src of ['{% if a %}x{% endif %}', '{{- a -}}', '{{ a | truncate: 3 }}', '{{ a[0] }}', '{{ nil }}', '{{ a | raw }}', '{{ a', '{{ a | default }}']) {
      expect(compileFast(src, true)).toBeNull();
    }
  });
});
