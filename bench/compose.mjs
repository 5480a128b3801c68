#!/usr/bin/env node
// bench/compose: CPU µs per message to compose `postflow bench`'s personalised message (~4 KB Liquid HTML with
// non-ASCII characters, so base64, plus a text part): render + MIME bytes, as the delivery thread does it
// (composeMessage with a compiled, cached template). Runs --rounds rounds of --messages messages and reports each
// round and the fastest (the machine is shared: the fastest round is the least disturbed one). --eight-bit composes
// as for a transport that takes 8bit bodies (the SMTP transport's default): the non-ASCII parts go as 8bit, not base64.
//
//   npm run build && node bench/compose.mjs [--messages N] [--rounds R] [--eight-bit] [--root DIR] [--json]
//
// --root DIR measures another build (a `git archive` of an earlier commit, built with `npx tsc -p
// tsconfig.build.json`), for before/after comparisons in the same minutes.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values: opt } = parseArgs({
  options: {
    messages: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '5' },
    root: { type: 'string', default: resolve(new URL('..', import.meta.url).pathname) },
    'eight-bit': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
  strict: true,
});
const N = Number(opt.messages);
const ROUNDS = Number(opt.rounds);
if (!Number.isInteger(N) || N < 1 || N > 1_000_000) throw new Error(`--messages: expected 1 to 1000000, got ${opt.messages}`);
if (!Number.isInteger(ROUNDS) || ROUNDS < 1 || ROUNDS > 100) throw new Error(`--rounds: expected 1 to 100, got ${opt.rounds}`);
const load = (p) => import(pathToFileURL(resolve(opt.root, 'dist', p)).href);
const { TemplateEngine } = await load('compose/template-engine.js');
const { composeMessage } = await load('compose/compose-message.js');
const { benchTemplate, benchMessage } = await load('main/bench/bench-content.js');

const engine = new TemplateEngine();
const compiled = engine.compile(benchTemplate());
const inputs = Array.from({ length: N }, (_, i) => {
  const b = benchMessage(i, 'bench-receipt');
  return {
    id: `01JBENCH${String(i).padStart(18, '0')}`, fromAddress: 'shop@example.com', fromName: 'Example Shop', toAddress: b.to, toName: null,
    toDomain: b.to.slice(b.to.indexOf('@') + 1), replyTo: null, headers: {}, variables: b.variables, templateId: 'bench-receipt', templateVersion: 1,
    subject: null, html: null, text: null,
  };
});
let bytes = 0;
const rounds = [];
for (let r = 0; r < ROUNDS; r++) {
  const t0 = process.cpuUsage();
  for (let i = 0; i < N; i++) bytes = composeMessage(inputs[i], compiled, engine, Date.now(), undefined, opt['eight-bit']).raw.length;
  const u = process.cpuUsage(t0);
  rounds.push((u.user + u.system) / N);
}
const best = Math.min(...rounds);
const result = { root: opt.root, eightBit: opt['eight-bit'], messages: N, bytes, roundsMicros: rounds.map((x) => +x.toFixed(2)), bestMicros: +best.toFixed(2) };
if (opt.json) process.stdout.write(`${JSON.stringify(result)}\n`);
else process.stdout.write(`compose (${opt.root}${opt['eight-bit'] ? ', 8bit' : ''}): ${bytes} bytes per message; µs per message by round ${result.roundsMicros.join(' · ')}; fastest ${result.bestMicros}\n`);
