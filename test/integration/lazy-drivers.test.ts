import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DRIVERS = ['pg', 'ioredis', '@aws-sdk/client-sesv2', 'mailparser'];
// The modules of `postflow start`, of a delivery thread and of an accept thread (from dist/: `npm test` builds first).
const MODULES = ['main/runtime.js', 'main/serve.js', 'main/commands/serve-commands.js', 'compose/template-engine.js', 'adapters/transports/registry.js', 'adapters/transports/sender-transports.js', 'services/send-batch-parse.js'];

/** Which of DRIVERS a fresh process has in its CommonJS module cache after importing MODULES, then running `then`. */
function loadedDrivers(then = ''): string[] {
  const script = `
import { createRequire } from 'node:module';
for (const m of ${JSON.stringify(MODULES)}) await import('./dist/' + m);
${then}
const cache = Object.keys(createRequire(import.meta.url).cache);
process.stdout.write(JSON.stringify(${JSON.stringify(DRIVERS)}.filter((d) => cache.some((k) => k.includes('/node_modules/' + d + '/')))));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout) as string[];
}

describe('drivers most installations never use are loaded on first use (docs/adr/0025-lazy-drivers.md)', () => {
  it('importing what `postflow start` runs loads none of pg, ioredis, the AWS SDK, mailparser', () => {
    expect(loadedDrivers()).toEqual([]);
  });

  it('the same check sees each of them once it is used', () => {
    const use = `const { lazyRequire } = await import('./dist/adapters/lazy-require.js');\n${DRIVERS.map((d) => `lazyRequire(${JSON.stringify(d)})();`).join('\n')}`;
    expect(loadedDrivers(use)).toEqual(DRIVERS);
  });
});
