#!/usr/bin/env node
// Boundary check (DESIGN.md convention 1): domain/, compose/ and services/ import no driver and nothing
// under adapters/ or main/; domain/ stays pure (no node: I/O modules either). Exits 1 listing each violation.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = new URL('../src/', import.meta.url).pathname;
const DRIVERS = ['better-sqlite3', 'pg', 'ioredis', 'fastify', '@fastify/', 'kysely', 'nodemailer', 'smtp-server', 'mailparser', 'pino', 'prom-client', 'undici', '@aws-sdk/', 'google-auth-library', '@googleapis/'];
const RULES = {
  domain: { forbidLayers: ['adapters', 'main', 'engine', 'services', 'compose'], forbidNode: ['fs', 'net', 'http', 'https', 'child_process', 'worker_threads', 'dgram', 'tls'] },
  compose: { forbidLayers: ['adapters', 'main', 'engine', 'services'], forbidNode: ['net', 'http', 'https', 'child_process', 'dgram', 'tls'] },
  services: { forbidLayers: ['adapters', 'main', 'engine'], forbidNode: [] },
  ports: { forbidLayers: ['adapters', 'main', 'engine', 'services'], forbidNode: [] },
  engine: { forbidLayers: ['adapters', 'main'], forbidNode: [] },
};

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* files(p);
    else if (p.endsWith('.ts') && !p.endsWith('.test.ts')) yield p; // tests may read fixtures
  }
}

const violations = [];
for (const [layer, rule] of Object.entries(RULES)) {
  let dir;
  try {
    dir = join(ROOT, layer);
    statSync(dir);
  } catch {
    continue;
  }
  for (const file of files(dir)) {
    const src = readFileSync(file, 'utf8');
    const specs = [...src.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1] ?? m[2]);
    for (const spec of specs) {
      const rel = relative(ROOT, file);
      if (DRIVERS.some((d) => spec === d || (d.endsWith('/') && spec.startsWith(d)) || spec.startsWith(`${d}/`))) violations.push(`${rel}: imports driver "${spec}"`);
      if (spec.startsWith('.')) {
        const target = relative(ROOT, join(file, '..', spec));
        const top = target.split('/')[0];
        if (rule.forbidLayers.includes(top)) violations.push(`${rel}: imports ${top}/ ("${spec}")`);
      }
      const node = spec.replace(/^node:/, '').split('/')[0];
      if (rule.forbidNode.includes(node) && (spec.startsWith('node:') || spec === node)) violations.push(`${rel}: imports I/O module "${spec}"`);
    }
  }
}
if (violations.length) {
  process.stderr.write(`boundary check failed (DESIGN.md convention 1):\n  ${violations.join('\n  ')}\n`);
  process.exit(1);
}
process.stdout.write('boundary check: ok\n');
