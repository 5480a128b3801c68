// The deployment files (Dockerfile, docker-compose.yml, deploy/kubernetes/) cannot be run here (no Docker engine,
// no cluster), so this checks what can drift without anyone noticing: every POSTFLOW_* variable they set is one the
// configuration knows, the values that are literal pass its validation, every command they run (and each of its
// --options) exists in the real CLI, and the Kubernetes objects refer to each other consistently.
// Needs dist/ (npm test builds first): the CLI's own --help is the reference for its commands.
import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';
import { CONFIG_VARIABLES, loadConfig } from '../../src/config/config.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const KNOWN = new Set([...CONFIG_VARIABLES, 'POSTFLOW_CONFIG']);
const BIN = `${ROOT}bin/postflow.js`;

/** The CLI's commands, read from `postflow --help`. */
function cliCommands(): Set<string> {
  const help = execFileSync(process.execPath, [BIN, '--help'], { encoding: 'utf8' });
  return new Set([...help.split('Commands:')[1]!.matchAll(/^ {2}(\w[\w-]*)/gm)].map((m) => m[1]!));
}

/** Check `args` (e.g. ["sink", "--host", "0.0.0.0"]) names a CLI command and only options it has. */
function expectCliCall(args: string[], commands: Set<string>, where: string): void {
  expect(commands.has(args[0]!), `${where}: "${args[0]}" is not a postflow command`).toBe(true);
  const flags = args.filter((a) => a.startsWith('--')).map((a) => a.split('=')[0]!);
  if (flags.length === 0) return;
  const help = execFileSync(process.execPath, [BIN, args[0]!, '--help'], { encoding: 'utf8' });
  for (const f of flags) expect(help, `${where}: postflow ${args[0]} has no ${f}`).toContain(`${f} `);
}

function expectKnown(names: string[], where: string): void {
  const ours = names.filter((n) => n.startsWith('POSTFLOW_'));
  expect(ours.length, `${where} sets no POSTFLOW_* variable`).toBeGreaterThan(0);
  for (const n of ours) expect(KNOWN.has(n), `${where}: ${n} is not a configuration variable (src/config/config.ts)`).toBe(true);
}

describe('deployment files', () => {
  const commands = cliCommands();

  it('Dockerfile: node:20-slim, npm ci and a build, a non-root user, a real command, known variables', () => {
    const text = readFileSync(`${ROOT}Dockerfile`, 'utf8');
    const lines = text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    expect(lines.filter((l) => l.startsWith('FROM ')).every((l) => /^FROM node:20-slim\b/.test(l))).toBe(true);
    expect(text).toMatch(/RUN npm ci\b/);
    expect(text).toMatch(/npm run build/);
    const user = lines.filter((l) => l.startsWith('USER ')).at(-1);
    expect(user, 'the final stage runs as a non-root user').toBeDefined();
    expect(['root', '0']).not.toContain(user!.slice(5).trim());
    const entry = JSON.parse(lines.find((l) => l.startsWith('ENTRYPOINT '))!.slice(11)) as string[];
    expect(entry).toEqual(['node', 'bin/postflow.js']);
    expectCliCall(JSON.parse(lines.find((l) => l.startsWith('CMD '))!.slice(4)) as string[], commands, 'Dockerfile CMD');
    // ENV lines may continue with backslashes: join them first.
    const env = text.replace(/\\\n/g, ' ').split('\n').filter((l) => l.trim().startsWith('ENV ')).flatMap((l) => [...l.matchAll(/(\w+)=/g)].map((m) => m[1]!));
    expectKnown(env, 'Dockerfile ENV');
  });

  it('docker-compose.yml: postgres, redis, one api, two workers; known variables, valid literal values, real commands', () => {
    const compose = parse(readFileSync(`${ROOT}docker-compose.yml`, 'utf8'), { merge: true }) as {
      services: Record<string, { command?: string[]; environment?: Record<string, string>; deploy?: { replicas?: number }; image?: string; build?: unknown }>;
    };
    const s = compose.services;
    expect(s.postgres?.image).toMatch(/^postgres:/);
    expect(s.redis?.image).toMatch(/^redis:/);
    const postflow = Object.entries(s).filter(([, v]) => v.build !== undefined);
    expect(postflow.map(([k]) => k).sort()).toEqual(['api', 'migrate', 'sink', 'worker']);
    expect(s.api!.command).toEqual(['api']);
    expect(s.worker!.command).toEqual(['worker']);
    expect(s.worker!.deploy?.replicas).toBe(2);
    for (const [name, svc] of postflow) {
      expectCliCall(svc.command!, commands, `docker-compose service ${name}`);
      const env = svc.environment ?? {};
      expectKnown(Object.keys(env), `docker-compose service ${name}`);
      // The shared engine: PostgreSQL and Redis for every Postflow process.
      expect(env.POSTFLOW_DATABASE_URL, name).toMatch(/^postgres:\/\/.*@postgres:5432\//);
      expect(env.POSTFLOW_REDIS_URL, name).toBe('redis://redis:6379');
      // Values without ${…} interpolation (or with a default) go through the real validation.
      const literal: Record<string, string> = {};
      for (const [k, v] of Object.entries(env)) {
        const m = /^\$\{(\w+):-(.*)\}$/.exec(String(v));
        if (m) literal[k] = m[2]!;
        else if (!String(v).includes('${')) literal[k] = String(v);
      }
      expect(() => loadConfig(literal), `docker-compose service ${name}`).not.toThrow();
    }
  });

  it('Kubernetes: api Deployment + Service with /ready and /health probes, worker Deployment, ConfigMap and Secret', () => {
    const dir = `${ROOT}deploy/kubernetes/`;
    type Obj = { kind: string; metadata: { name: string }; spec?: any; data?: Record<string, string>; stringData?: Record<string, string>; resources?: string[] };
    const byFile = new Map<string, Obj[]>();
    for (const f of readdirSync(dir).filter((f) => f.endsWith('.yaml'))) {
      const docs = parseAllDocuments(readFileSync(dir + f, 'utf8'));
      for (const d of docs) expect(d.errors, f).toEqual([]);
      byFile.set(f, docs.map((d) => d.toJS() as Obj).filter(Boolean));
    }
    const all = [...byFile.values()].flat();
    const find = (kind: string, name: string) => all.find((o) => o.kind === kind && o.metadata.name === name);
    // kustomization.yaml lists exactly the other files.
    const kustomization = byFile.get('kustomization.yaml')![0]!;
    expect([...(kustomization.resources ?? [])].sort()).toEqual([...byFile.keys()].filter((f) => f !== 'kustomization.yaml').sort());

    const config = find('ConfigMap', 'postflow-config')!;
    const secret = find('Secret', 'postflow-secrets')!;
    expectKnown(Object.keys(config.data!), 'ConfigMap');
    expectKnown(Object.keys(secret.stringData!), 'Secret');
    expect(() => loadConfig(config.data!), 'ConfigMap values').not.toThrow();
    for (const k of ['POSTFLOW_DATABASE_URL', 'POSTFLOW_REDIS_URL', 'POSTFLOW_SECRET']) expect(Object.keys(secret.stringData!)).toContain(k);
    // A placeholder left in place stops the process with an error naming the variable, instead of running with it.
    expect(() => loadConfig({ ...config.data!, ...secret.stringData! })).toThrow(/POSTFLOW_SECRET: must be at least 32 characters/);

    const workloads = all.filter((o) => o.kind === 'Deployment' || o.kind === 'Job');
    expect(workloads.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(['Deployment/postflow-api', 'Deployment/postflow-worker', 'Job/postflow-migrate']);
    for (const w of workloads) {
      const pod = w.spec.template.spec;
      expect(pod.securityContext.runAsNonRoot, w.metadata.name).toBe(true);
      for (const c of pod.containers) {
        expectCliCall(c.args, commands, `${w.metadata.name}/${c.name}`);
        for (const ref of c.envFrom ?? []) {
          if (ref.configMapRef) expect(find('ConfigMap', ref.configMapRef.name), ref.configMapRef.name).toBeDefined();
          if (ref.secretRef) expect(find('Secret', ref.secretRef.name), ref.secretRef.name).toBeDefined();
        }
        if (c.env) expectKnown(c.env.map((e: { name: string }) => e.name), `${w.metadata.name}/${c.name}`);
        for (const m of c.volumeMounts ?? []) expect(pod.volumes.map((v: { name: string }) => v.name), m.name).toContain(m.name);
      }
    }
    const api = find('Deployment', 'postflow-api')!;
    const apiC = api.spec.template.spec.containers[0];
    expect(apiC.args).toEqual(['api']);
    expect(apiC.readinessProbe.httpGet.path).toBe('/ready');
    expect(apiC.livenessProbe.httpGet.path).toBe('/health');
    const http = apiC.ports.find((p: { name: string }) => p.name === apiC.readinessProbe.httpGet.port);
    expect(http.containerPort).toBe(Number(config.data!.POSTFLOW_PORT));
    expect(config.data!.POSTFLOW_HOST).toBe('0.0.0.0');
    expect(find('Deployment', 'postflow-worker')!.spec.template.spec.containers[0].args).toEqual(['worker']);
    // The Service reaches the api pods, on the port they listen on.
    const svc = find('Service', 'postflow-api')!;
    expect(api.spec.template.metadata.labels).toMatchObject(svc.spec.selector);
    expect(api.spec.selector.matchLabels).toEqual(api.spec.template.metadata.labels);
    expect(svc.spec.ports.map((p: { targetPort: string }) => p.targetPort)).toEqual(['http']);
  });
});
