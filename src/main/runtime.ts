import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { createPrivateKey, randomBytes } from 'node:crypto';
import pino from 'pino';
import { autoDeliveryThreads, type Config } from '../config/config.js';
import { systemClock, type Clock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import type { Store } from '../ports/store.js';
import type { Transport } from '../ports/transport.js';
import { DEFAULT_RETRY_POLICY } from '../domain/retry-policy.js';
import { TemplateEngine } from '../compose/template-engine.js';
import { AcceptMessages } from '../services/accept-message.js';
import { AcceptThreads } from '../services/accept-threads.js';
import { ApiKeys } from '../services/api-keys.js';
import { ManageTemplates } from '../services/manage-templates.js';
import { QueryMessages } from '../services/query-messages.js';
import { TemplateCatalog } from '../services/template-catalog.js';
import { DeliveryWorker } from '../engine/delivery-worker.js';
import { closeJournal } from '../engine/compose-send.js';
import { ThreadedComposeSend } from '../engine/threaded-compose-send.js';
import type { SentJournal } from '../ports/sent-journal.js';
import { FileSentJournal } from '../adapters/journal/file-sent-journal.js';
import type { DeliveryThreadData } from './delivery-thread.js';
import { ThrottleGate } from '../engine/throttle-gate.js';
import { DEFAULT_DOMAIN_LIMITS } from '../domain/throttle-policy.js';
import { Suppressions } from '../services/suppressions.js';
import type { Limiter } from '../ports/limiter.js';
import { MemoryLimiter } from '../adapters/limiter/memory-limiter.js';
import { RedisLimiter } from '../adapters/limiter/redis-limiter.js';
import { openStore } from '../adapters/store/open-store.js';
import { createTransport } from '../adapters/transports/registry.js';
import { parseSmtpUrl } from '../adapters/transports/smtp/smtp-options.js';
import { CaptureTransport } from '../adapters/transports/capture/capture-transport.js';
import { PrometheusMetrics } from '../adapters/metrics/prometheus.js';
import { buildApp } from '../adapters/http/build-app.js';
import { packageVersion } from './version.js';
import { createSenderParts, type SenderParts } from './sender-runtime.js';
import { createCampaignParts, type CampaignParts } from './campaign-runtime.js';
import { createContactParts, type ContactParts } from './contact-runtime.js';

// A worker thread runs JavaScript: from sources run by vitest (src/main/runtime.ts) it is the built copy in dist/
// (`npm test` builds first); from the built runtime, the file beside it.
const DELIVERY_THREAD_SCRIPT = new URL(import.meta.url.endsWith('.ts') ? '../../dist/main/delivery-thread.js' : './delivery-thread.js', import.meta.url);

const ACCEPT_THREAD_SCRIPT = new URL(import.meta.url.endsWith('.ts') ? '../../dist/main/accept-thread.js' : './accept-thread.js', import.meta.url);

/** Everything one Postflow process is made of. */
export interface Runtime {
  config: Config;
  log: pino.Logger;
  clock: Clock;
  store: Store;
  engine: TemplateEngine;
  catalog: TemplateCatalog;
  accept: AcceptMessages;
  /** Accept threads (started by serve() before it listens, else by the first send-batch body), or null when configured off; closed with the runtime. */
  acceptThreads: AcceptThreads | null;
  apiKeys: ApiKeys;
  templates: ManageTemplates;
  messages: QueryMessages;
  suppressions: Suppressions;
  gate: ThrottleGate;
  /** The throttles' state: Redis when POSTFLOW_REDIS_URL is set (shared by every process), else this process's memory. */
  limiter: Limiter;
  /** The Redis limiter when there is one (for /ready and the clock-skew check). */
  redisLimiter: RedisLimiter | null;
  metrics: PrometheusMetrics;
  transport: Transport;
  /** This process's sent journal (delivery threads keep their own files in the same folder). */
  journal: SentJournal;
  /** Delivery threads when configured (they own their transports; started by serve(), else by the first batch); closed with the runtime. */
  threads: ThreadedComposeSend | null;
  worker: DeliveryWorker;
  secret: string;
  /** Senders, service accounts, pools and their routing (issue 4). */
  senders: SenderParts;
  /** Contacts, segments, CSV import/export and engagement (issue 5, part A). */
  contacts: ContactParts;
  /** Campaigns, their runner and one-click unsubscribe (issue 5). */
  campaigns: CampaignParts;
}

/** POSTFLOW_SECRET, or the one generated into the data dir at first start (mode 0600). */
function loadSecret(config: Config): string {
  if (config.secret) return config.secret;
  const file = join(config.dataDir, 'secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(config.dataDir, { recursive: true });
  const s = randomBytes(32).toString('base64url');
  writeFileSync(file, `${s}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return s;
}

/** Logs Redis connection errors, at most once every 30 s (ioredis reports each failed reconnection). */
function redisErrorLogger(log: pino.Logger): (err: Error) => void {
  let last = -Infinity;
  return (err) => {
    const now = Date.now();
    if (now - last < 30_000) return;
    last = now;
    log.error({ err: err.message }, 'Redis (POSTFLOW_REDIS_URL) unreachable: throttled messages wait until it answers; none is sent unthrottled');
  };
}

/** Build the adapters and services from configuration; opens the store and runs its migrations. */
export async function createRuntime(config: Config, clock: Clock = systemClock): Promise<Runtime> {
  const log = pino({
    level: config.logLevel,
    base: { pid: process.pid, service: 'postflow' },
    redact: { paths: ['req.headers.authorization', '*.password', '*.secret', '*.private_key'], censor: '[redacted]' },
  });
  const store = openStore(config.databaseUrl, config.dataDir, config.dbPoolSize, { cacheMiB: config.sqliteCacheMiB });
  const applied = await store.migrate();
  if (applied.length) log.info({ migrations: applied, store: store.dialect }, 'migrations applied');
  const engine = new TemplateEngine();
  const catalog = new TemplateCatalog(store, engine, clock);
  const transportName = config.smtpUrl ? 'smtp' : 'capture';
  const transportCtx = { dataDir: config.dataDir, smtpUrl: config.smtpUrl };
  const transport = createTransport(transportName, transportCtx);
  const wanted = config.deliveryThreads === 'auto' ? autoDeliveryThreads(availableParallelism()) : config.deliveryThreads;
  // Each thread has its own pool of connections to the relay, with a share of its max_connections: never more threads than that.
  const threadCount = transportName === 'smtp' ? Math.min(wanted, parseSmtpUrl(config.smtpUrl!).maxConnections) : wanted;
  // Accepted messages are noted here before they are recorded (docs/adr/0012-sent-journal.md); kept for longer
  // than any lease that could still name them.
  const journalDir = join(config.dataDir, 'journal');
  const journalRetainMs = 3 * config.leaseMs + 120_000;
  const journal = new FileSentJournal(journalDir, `${process.pid}-${randomBytes(3).toString('hex')}`, journalRetainMs);
  const inDoubt = { marketing: config.inDoubtMarketing, transactional: config.inDoubtTransactional };
  const threadData = (index: number): DeliveryThreadData => ({
    journal: { dir: journalDir, retainMs: journalRetainMs },
    transport: { name: transportName, ctx: { ...transportCtx, share: { index, count: threadCount } } },
    dkim: config.dkimKey ? { domain: config.dkimDomain!, selector: config.dkimSelector!, privateKeyPem: config.dkimKey } : undefined,
  });
  const threads = threadCount > 0 && config.workers > 0
    ? new ThreadedComposeSend(transport.name, catalog, DELIVERY_THREAD_SCRIPT, threadData, threadCount, (why) => log.error({ why }, 'delivery thread failed; its batches will be retried'))
    : null;

  // Receivers' limits protect sender reputation; the capture outbox has no receivers, so by default it is not throttled.
  const domains = config.domainLimits ?? (transport.name === 'capture' ? {} : DEFAULT_DOMAIN_LIMITS);
  const rate = (perSecond: number) => (perSecond > 0 ? { perSecond, burst: Math.max(1, Math.ceil(perSecond / 10)) } : null);
  const redisLimiter = config.redisUrl ? new RedisLimiter({ url: config.redisUrl, prefix: config.redisPrefix, onError: redisErrorLogger(log) }) : null;
  const limiter: Limiter = redisLimiter ?? new MemoryLimiter();
  const gate = new ThrottleGate(limiter, { domains, relay: rate(config.relayRate), global: rate(config.globalRate) }, transport.name, log as unknown as Logger);
  const caches = [{ name: 'template', stats: engine.stats }];
  if (threads) caches.push({ name: 'template_delivery_threads', stats: threads.cacheStats });
  const metrics = new PrometheusMetrics(store, caches);
  const secret = loadSecret(config);
  const senders = createSenderParts({
    sql: store.sqlContext(), secret, config, clock, log: log as unknown as Logger, catalog, engine, metrics, gate,
    dkim: config.dkimKey ? { domain: config.dkimDomain!, selector: config.dkimSelector!, privateKey: createPrivateKey(config.dkimKey) } : undefined,
    retry: { ...DEFAULT_RETRY_POLICY, maxRetries: config.maxRetries, baseDelayMs: config.retryBaseMs },
    queueLifetimeMs: config.queueLifetimeHours * 3600_000,
    journal,
    inDoubt,
  });
  const worker = new DeliveryWorker(
    {
      store, transport, catalog, engine, clock, log: log as unknown as Logger, metrics, gate,
      dkim: config.dkimKey ? { domain: config.dkimDomain!, selector: config.dkimSelector!, privateKey: createPrivateKey(config.dkimKey) } : undefined,
      composeSend: threads ?? undefined,
      journal,
      inDoubt,
      router: senders.router,
    },
    {
      loops: config.workers,
      batchSize: config.batchSize,
      leaseMs: config.leaseMs,
      idleMs: config.idleMs,
      retry: { ...DEFAULT_RETRY_POLICY, maxRetries: config.maxRetries, baseDelayMs: config.retryBaseMs },
      queueLifetimeMs: config.queueLifetimeHours * 3600_000,
    },
  );
  const acceptThreads = config.acceptThreads > 0
    ? new AcceptThreads(ACCEPT_THREAD_SCRIPT, { defaultFrom: config.from }, config.acceptThreads, (why) => log.error({ why }, 'accept thread failed'))
    : null;
  const accept = new AcceptMessages(store, catalog, clock, {
    defaultFrom: config.from, maxAttempts: config.maxRetries + 1, pools: senders.pools, parser: acceptThreads ?? undefined,
  }, () => worker.wake());
  const campaigns = createCampaignParts({
    sql: store.sqlContext(), secret, config, clock, log: log as unknown as Logger, catalog, pools: senders.store, wakeDelivery: () => worker.wake(),
  });
  return {
    config, log, clock, store, engine, catalog, accept, acceptThreads, transport, threads, journal, worker, metrics, gate, limiter, redisLimiter, campaigns,
    suppressions: new Suppressions(store, clock),
    apiKeys: new ApiKeys(store, clock),
    templates: new ManageTemplates(store, engine, catalog, clock),
    messages: new QueryMessages(store, clock),
    secret,
    senders,
    contacts: createContactParts({ sql: store.sqlContext(), store, clock, dataDir: config.dataDir }),
  };
}

/**
 * Stop a runtime's work and close what it holds, in order (its HTTP app first, by the caller): the journal after the
 * transports, which may still note answers while they close.
 */
export async function closeRuntime(rt: Runtime): Promise<void> {
  await rt.campaigns.runner.stop();
  await rt.worker.stop();
  await rt.threads?.close();
  await rt.acceptThreads?.close();
  await rt.senders.close();
  await rt.transport.close();
  await closeJournal(rt.journal);
  await rt.limiter.close();
  await rt.store.close();
}

/** Build the HTTP app of a runtime. */
export function createHttp(rt: Runtime) {
  return buildApp({
    store: rt.store, clock: rt.clock, accept: rt.accept, messages: rt.messages, templates: rt.templates, apiKeys: rt.apiKeys, suppressions: rt.suppressions,
    metrics: rt.metrics, sharedLimiter: rt.redisLimiter ? { name: 'redis', limiter: rt.redisLimiter } : undefined, capture: rt.transport instanceof CaptureTransport ? rt.transport : undefined,
    keyRateLimit: rt.config.keyRateLimit, logger: rt.log, version: packageVersion(), senders: rt.senders,
    campaigns: { campaigns: rt.campaigns.campaigns, unsubscribe: rt.campaigns.unsubscribe },
    contacts: rt.contacts,
  });
}
