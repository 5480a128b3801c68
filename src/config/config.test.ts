import { describe, it, expect } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { autoDeliveryThreads, CONFIG_VARIABLES, loadConfig } from './config.js';

const empty = mkdtempSync(join(tmpdir(), 'pf-cfg-'));

describe('loadConfig', () => {
  it('gives the documented defaults', () => {
    const c = loadConfig({}, empty);
    expect(c).toMatchObject({ port: 8787, host: '127.0.0.1', dataDir: './data', workers: 4, logLevel: 'info', maxRetries: 3 });
    expect(c.databaseUrl).toBeUndefined();
  });

  it('names every bad variable', () => {
    let err: Error | undefined;
    try {
      loadConfig({ POSTFLOW_PORT: 'eighty', POSTFLOW_SMTP_URL: 'http://x', POSTFLOW_ADMIN_KEY: 'short', POSTFLOW_FROM: 'nobody' }, empty);
    } catch (e) {
      err = e as Error;
    }
    expect(err?.message).toMatch(/POSTFLOW_PORT: must be a whole number from 0 to 65535 \(got "eighty"\)/);
    expect(err?.message).toMatch(/POSTFLOW_SMTP_URL: must be a smtp or smtps URL/);
    expect(err?.message).toMatch(/POSTFLOW_ADMIN_KEY: must look like pf_/);
    expect(err?.message).not.toMatch(/short/); // secrets are not echoed
    expect(err?.message).toMatch(/POSTFLOW_FROM: /);
  });

  it('checks the Redis settings, naming the variable and hiding a password', () => {
    expect(loadConfig({}, empty)).toMatchObject({ redisPrefix: 'postflow:' });
    expect(loadConfig({}, empty).redisUrl).toBeUndefined();
    expect(loadConfig({ POSTFLOW_REDIS_URL: 'redis://:pw@10.0.0.5:6379/2', POSTFLOW_REDIS_PREFIX: 'pf-eu:' }, empty)).toMatchObject({ redisUrl: 'redis://:pw@10.0.0.5:6379/2', redisPrefix: 'pf-eu:' });
    expect(() => loadConfig({ POSTFLOW_REDIS_URL: 'http://user:hunter2@cache:6379' }, empty)).toThrow(/POSTFLOW_REDIS_URL: must be a redis or rediss URL \(got "http:\/\/user:\*\*\*@cache:6379"\)/);
    expect(() => loadConfig({ POSTFLOW_REDIS_URL: 'http://user:hunter2@cache:6379' }, empty)).not.toThrow(/hunter2/);
    expect(() => loadConfig({ POSTFLOW_REDIS_URL: 'redis://' }, empty)).toThrow(/POSTFLOW_REDIS_URL: must name a host/);
    expect(() => loadConfig({ POSTFLOW_REDIS_PREFIX: 'has space' }, empty)).toThrow(/POSTFLOW_REDIS_PREFIX: must be 1 to 64 of/);
  });

  it('takes DKIM settings all together or not at all, and checks the key', () => {
    expect(() => loadConfig({ POSTFLOW_DKIM_DOMAIN: 'shop.test' }, empty)).toThrow(/set all three/);
    expect(() => loadConfig({ POSTFLOW_DKIM_DOMAIN: 'shop.test', POSTFLOW_DKIM_SELECTOR: 's1', POSTFLOW_DKIM_KEY: '-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----' }, empty)).toThrow(/POSTFLOW_DKIM_KEY: is not a PEM private key/);
    expect(() => loadConfig({ POSTFLOW_DOMAIN_LIMITS: 'gmail.com=fast' }, empty)).toThrow(/POSTFLOW_DOMAIN_LIMITS: "gmail.com=fast" is not domain=perMinute/);
    expect(loadConfig({ POSTFLOW_DOMAIN_LIMITS: 'gmail.com=20,*=0' }, empty).domainLimits).toMatchObject({ 'gmail.com': 20, 'yahoo.com': 50, '*': 0 });
  });

  it('reads a config file, the environment winning, and refuses unknown settings', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pf-cfg-'));
    writeFileSync(join(dir, 'postflow.config.json'), JSON.stringify({ POSTFLOW_PORT: 9000, POSTFLOW_WORKERS: 8 }));
    expect(loadConfig({ POSTFLOW_WORKERS: '2' }, dir)).toMatchObject({ port: 9000, workers: 2 });
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ POSTFLOW_PROT: 1 }));
    expect(() => loadConfig({ POSTFLOW_CONFIG: join(dir, 'bad.json') }, dir)).toThrow(/unknown setting POSTFLOW_PROT/);
  });
});

describe('autoDeliveryThreads', () => {
  it('none on one core, two on two or three, one per core beyond the first up to 4', () => {
    expect([1, 2, 3, 4, 5, 8, 64].map(autoDeliveryThreads)).toEqual([0, 2, 2, 3, 4, 4, 4]);
  });
});

describe('docs/configuration.md', () => {
  it('documents every setting, with its default', () => {
    const doc = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
    // A row's first cell names one setting, or several that go together (the DKIM ones).
    const rows = new Map<string, string>();
    for (const l of doc.split('\n').filter((x) => x.startsWith('| `POSTFLOW_'))) {
      for (const name of l.split('|')[1]!.match(/POSTFLOW_[A-Z0-9_]+/g) ?? []) rows.set(name, l);
    }
    const missing = CONFIG_VARIABLES.filter((v) => !rows.has(v));
    expect(missing).toEqual([]);
    expect(loadConfig({}, empty)).toMatchObject({ acceptThreads: 1, sqliteCacheMiB: 16 });
    expect(rows.get('POSTFLOW_ACCEPT_THREADS')).toMatch(/^\| `POSTFLOW_ACCEPT_THREADS` \| `1` \|/);
    expect(rows.get('POSTFLOW_SQLITE_CACHE_MB')).toMatch(/^\| `POSTFLOW_SQLITE_CACHE_MB` \| `16` \|/);
  });
});
