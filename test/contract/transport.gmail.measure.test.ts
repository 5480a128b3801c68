// Measures what a Gmail send costs Postflow: messages per second and CPU per message of the process that runs
// GmailTransport, with the fake Google in a child process of its own so its CPU is counted apart (it is started
// from its TypeScript source through a small loader that strips types with the installed `typescript`).
// A measurement, not a check run with the suite: it runs only with POSTFLOW_MEASURE=1, e.g.
//   POSTFLOW_MEASURE=1 npx vitest run test/contract/transport.gmail.measure.test.ts
import { describe, it, expect } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { GoogleTokenProvider } from '../../src/adapters/google/google-token-provider.js';
import { GmailTransport } from '../../src/adapters/transports/gmail/gmail-transport.js';
import { makeServiceAccountKey } from '../support/fake-google.js';
import { testMessage } from './transport-contract.js';

const RUN = process.env.POSTFLOW_MEASURE === '1';
if (!RUN) process.stderr.write('skipping the Gmail send measurement: set POSTFLOW_MEASURE=1 to run it\n');

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TS = pathToFileURL(join(ROOT, 'node_modules/typescript/lib/typescript.js')).href;
const LOADER = `
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from '${TS}';
export async function resolve(spec, ctx, next) {
  if (spec.endsWith('.js') && spec.startsWith('.') && ctx.parentURL?.startsWith('file:')) {
    const url = new URL(spec, ctx.parentURL);
    const tsUrl = url.href.slice(0, -3) + '.ts';
    if (!existsSync(fileURLToPath(url)) && existsSync(fileURLToPath(tsUrl))) return { url: tsUrl, shortCircuit: true };
  }
  return next(spec, ctx);
}
export async function load(url, ctx, next) {
  if (!url.endsWith('.ts')) return next(url, ctx);
  const src = await readFile(fileURLToPath(url), 'utf8');
  const out = ts.transpileModule(src, { fileName: fileURLToPath(url), compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
  return { format: 'module', source: out.outputText, shortCircuit: true };
}`;
const CHILD = (loader: string) => `
import { register } from 'node:module';
import { createInterface } from 'node:readline';
register(${JSON.stringify(pathToFileURL(loader).href)});
const { startFakeGoogle } = await import(${JSON.stringify(pathToFileURL(join(ROOT, 'test/support/fake-google.ts')).href)});
const fake = await startFakeGoogle({ parse: process.env.FAKE_PARSE === '1' });
fake.addServiceAccount(JSON.parse(process.env.FAKE_KEY));
fake.addUsers(JSON.parse(process.env.FAKE_USERS).map((primaryEmail) => ({ primaryEmail })));
const say = (o) => process.stdout.write(JSON.stringify(o) + '\\n');
say({ url: fake.url, tokenUrl: fake.tokenUrl });
for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'stats') { const c = process.cpuUsage(); say({ cpuUs: c.user + c.system, sent: fake.sent.length, bytes: fake.sent.reduce((a, s) => a + s.raw.length, 0) }); }
  if (line === 'stop') { await fake.stop(); process.exit(0); }
}`;

describe.skipIf(!RUN)('gmail transport: cost of a send against the fake', () => {
  it('measures messages/s and CPU per message of the sending process', async () => {
    const USERS = Array.from({ length: 4 }, (_, i) => `sender${i}@corp.test`);
    const PER_USER = Number(process.env.POSTFLOW_MEASURE_MESSAGES ?? 2500);
    const BATCH = 100;
    const ROUNDS = Number(process.env.POSTFLOW_MEASURE_ROUNDS ?? 3);
    const key = makeServiceAccountKey();
    const dir = mkdtempSync(join(tmpdir(), 'pf-gmail-measure-'));
    const loader = join(dir, 'ts-loader.mjs');
    writeFileSync(loader, LOADER);
    writeFileSync(join(dir, 'child.mjs'), CHILD(loader));
    const child = spawn(process.execPath, [join(dir, 'child.mjs')], {
      cwd: ROOT,
      env: { ...process.env, FAKE_KEY: JSON.stringify(key), FAKE_USERS: JSON.stringify(USERS), FAKE_PARSE: process.env.POSTFLOW_MEASURE_PARSE ?? '0' },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
    const next = async () => JSON.parse((await lines.next()).value as string);
    try {
      const { url, tokenUrl } = await next();
      // ~4 KB messages, like bench/e2e's, built before any clock starts: only sending is measured.
      const body = Array.from({ length: 50 }, (_, i) => `Line ${i} of a message body that is long enough to look like mail, more or less.`);
      let serial = 0;
      const batches = () => USERS.map(() => Array.from({ length: PER_USER / BATCH }, () => Array.from({ length: BATCH }, () => testMessage(serial++, body))));
      const rounds: Array<Record<string, unknown>> = [];
      // The default client (node:http, keep-alive pool) and the global fetch, alternately, ROUNDS times each.
      for (let round = 0; round < ROUNDS; round++) {
        for (const client of ['node:http', 'fetch'] as const) {
          const tokens = new GoogleTokenProvider({ tokenUrl, ...(client === 'fetch' ? { fetch } : {}) });
          const transports = USERS.map((user) => new GmailTransport({ key, user, apiUrl: url, tokens, ...(client === 'fetch' ? { fetch } : {}) }));
          await Promise.all(transports.map((t) => t.sendBatch(Array.from({ length: 50 }, () => testMessage(serial++, body))))); // tokens, connections, JIT
          const work = batches();
          child.stdin!.write('stats\n');
          const before = await next();
          const cpu0 = process.cpuUsage();
          const t0 = process.hrtime.bigint();
          const results = await Promise.all(transports.map(async (t, u) => {
            let ok = 0;
            for (const b of work[u]!) ok += (await t.sendBatch(b)).filter((o) => o.ok).length;
            return ok;
          }));
          const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
          const cpu = process.cpuUsage(cpu0);
          child.stdin!.write('stats\n');
          const after = await next();
          await Promise.all(transports.map((t) => t.close()));
          const n = USERS.length * PER_USER;
          expect(results.reduce((a, b) => a + b, 0)).toBe(n);
          expect(after.sent - before.sent).toBe(n);
          expect(tokens.exchanges).toBe(USERS.length);
          rounds.push({
            round, client, messages: n, avg_bytes: Math.round((after.bytes - before.bytes) / n), wall_ms: Math.round(wallMs),
            messages_per_s: Math.round(n / (wallMs / 1000)),
            sender_cpu_us_per_message: Math.round((cpu.user + cpu.system) / n),
            fake_cpu_us_per_message: Math.round((after.cpuUs - before.cpuUs) / n),
          });
        }
      }
      process.stderr.write(`gmail send measurement (${USERS.length} users x 5 in flight, fake parses MIME: ${process.env.POSTFLOW_MEASURE_PARSE === '1'}):\n${rounds.map((r) => JSON.stringify(r)).join('\n')}\n`);
    } finally {
      child.stdin!.write('stop\n');
      await new Promise((r) => child.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
