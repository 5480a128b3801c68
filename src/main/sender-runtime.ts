import { monotonicFactory } from 'ulid';
import type { Config } from '../config/config.js';
import type { RetryPolicy } from '../domain/retry-policy.js';
import type { Clock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import type { DeliveryMetrics } from '../ports/metrics.js';
import type { DkimKey } from '../compose/dkim.js';
import type { TemplateEngine } from '../compose/template-engine.js';
import type { TemplateCatalog } from '../services/template-catalog.js';
import { ManageSenders } from '../services/senders.js';
import { ManagePools } from '../services/pools.js';
import { ManageServiceAccounts } from '../services/service-accounts.js';
import { DirectorySync } from '../services/directory-sync.js';
import { CapacityPlanner } from '../services/capacity.js';
import { SenderRouter } from '../engine/sender-router.js';
import { DirectorySyncLoop } from '../engine/directory-sync-loop.js';
import type { ThrottleGate } from '../engine/throttle-gate.js';
import type { SqlContext } from '../adapters/store/sql-context.js';
import { SqlSenderStore } from '../adapters/store/sql-sender-store.js';
import { AesGcmSecretBox } from '../adapters/crypto/aes-gcm-secret-box.js';
import { GoogleTokenProvider } from '../adapters/google/google-token-provider.js';
import { GoogleDirectoryClient } from '../adapters/google/google-directory-client.js';
import { SenderTransportCache } from '../adapters/transports/sender-transports.js';
import { describeRelay, parseSmtpUrl } from '../adapters/transports/smtp/smtp-options.js';
import type { SentJournal } from '../ports/sent-journal.js';
import type { InDoubtPolicies } from '../domain/in-doubt.js';

/** Senders, service accounts, pools and their routing (issue 4), as one process uses them. */
export interface SenderParts {
  store: SqlSenderStore;
  senders: ManageSenders;
  pools: ManagePools;
  serviceAccounts: ManageServiceAccounts;
  capacity: CapacityPlanner;
  directorySync: DirectorySync;
  /** The scheduled directory sync; worker processes start it. */
  syncLoop: DirectorySyncLoop;
  router: SenderRouter;
  transports: SenderTransportCache;
  /** Stop the sync schedule and close every sender's transport. */
  close(): Promise<void>;
}

/** What the sender parts are built from. */
export interface SenderPartsDeps {
  sql: SqlContext;
  secret: string;
  config: Config;
  clock: Clock;
  log: Logger;
  catalog: TemplateCatalog;
  engine: TemplateEngine;
  metrics: DeliveryMetrics;
  gate: ThrottleGate;
  dkim?: DkimKey;
  retry: RetryPolicy;
  queueLifetimeMs: number;
  journal?: SentJournal;
  /** Which messages are noted as in doubt as their end of data goes out (domain/in-doubt.ts). */
  inDoubt?: InDoubtPolicies;
}

/** Build the sender parts (composition only: nothing connects until used). */
export function createSenderParts(d: SenderPartsDeps): SenderParts {
  const nextId = monotonicFactory();
  const newId = (): string => nextId(d.clock.now());
  const store = new SqlSenderStore(d.sql);
  const box = new AesGcmSecretBox(d.secret);
  const tokens = new GoogleTokenProvider({ tokenUrl: d.config.googleTokenUrl, clock: d.clock });
  const transports = new SenderTransportCache({ box, store, google: { apiUrl: d.config.googleApiUrl, tokens } });
  const evict = (id: string): void => void transports.evict(id);
  const senders = new ManageSenders(store, box, d.clock, {
    newId,
    relays: {
      problem: (url) => {
        try {
          parseSmtpUrl(url);
          return null;
        } catch (err) {
          return (err as Error).message;
        }
      },
      describe: (url) => describeRelay(parseSmtpUrl(url)),
    },
    onRemoved: evict,
  });
  const directorySync = new DirectorySync(store, box, new GoogleDirectoryClient({ tokens, apiUrl: d.config.googleApiUrl }), d.clock, d.log, newId);
  const syncLoop = new DirectorySyncLoop(directorySync, d.config.directorySyncMinutes * 60_000, d.log);
  const router = new SenderRouter({
    senders: store, transports, catalog: d.catalog, engine: d.engine, clock: d.clock, log: d.log, retry: d.retry,
    queueLifetimeMs: d.queueLifetimeMs, metrics: d.metrics, gate: d.gate, dkim: d.dkim, journal: d.journal, inDoubt: d.inDoubt,
  });
  return {
    store, senders, directorySync, syncLoop, router, transports,
    pools: new ManagePools(store, senders, d.clock),
    serviceAccounts: new ManageServiceAccounts(store, box, directorySync, d.clock, { newId, onRemoved: (ids) => ids.forEach(evict) }),
    capacity: new CapacityPlanner(store, senders, d.clock),
    close: async () => {
      await syncLoop.stop();
      await transports.close();
    },
  };
}
