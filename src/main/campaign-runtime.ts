import type { Config } from '../config/config.js';
import type { Clock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import type { TemplateCatalog } from '../services/template-catalog.js';
import { ManageCampaigns } from '../services/campaigns.js';
import { CampaignMessageBuilder } from '../services/campaign-messages.js';
import { Unsubscribe } from '../services/unsubscribe.js';
import { UnsubscribeTokens } from '../services/unsubscribe-tokens.js';
import { CampaignRunner } from '../engine/campaign-runner.js';
import { materialiseLookahead } from '../domain/campaign-pacing.js';
import type { SqlContext } from '../adapters/store/sql-context.js';
import { SqlCampaignStore } from '../adapters/store/sql-campaign-store.js';
import { SqlContactStore } from '../adapters/store/sql-contact-store.js';
import { SqlSegmentStore } from '../adapters/store/sql-segment-store.js';

/** Campaigns, their runner and one-click unsubscribe (issue 5), as one process uses them. */
export interface CampaignParts {
  store: SqlCampaignStore;
  campaigns: ManageCampaigns;
  unsubscribe: Unsubscribe;
  /** The materialiser loop; worker processes start it. */
  runner: CampaignRunner;
  builder: CampaignMessageBuilder;
}

/** What the campaign parts are built from. */
export interface CampaignPartsDeps {
  sql: SqlContext;
  secret: string;
  config: Config;
  clock: Clock;
  log: Logger;
  catalog: TemplateCatalog;
  /** Sender pool lookup, when sender pools exist in this build. */
  pools?: { getPool(id: string): Promise<unknown> };
  /** Wake the in-process delivery loops when messages enter the queue. */
  wakeDelivery: () => void;
}

/** Build the campaign parts (composition only: the runner starts when a worker process starts it). */
export function createCampaignParts(d: CampaignPartsDeps): CampaignParts {
  const store = new SqlCampaignStore(d.sql);
  const contacts = new SqlContactStore(d.sql);
  const tokens = new UnsubscribeTokens(d.secret);
  const builder = new CampaignMessageBuilder(tokens, {
    publicUrl: d.config.publicUrl ?? `http://localhost:${d.config.port}`,
    mailto: d.config.unsubscribeMailto ?? null,
    defaultFrom: d.config.from,
    maxAttempts: d.config.maxRetries + 1,
  });
  const runner = new CampaignRunner(
    { campaigns: store, contacts, builder, clock: d.clock, log: d.log.child({ component: 'campaigns' }), onReleased: d.wakeDelivery },
    // The campaign lease follows the message lease: a crashed process's campaigns resume when its messages do.
    {
      tickMs: 250, idleMs: 1_000, leaseMs: d.config.leaseMs, batchSize: 500, maxCampaigns: 20,
      lookahead: (c) => materialiseLookahead(c, d.config.campaignLookahead),
    },
  );
  const campaigns = new ManageCampaigns({
    campaigns: store, contacts, segments: new SqlSegmentStore(d.sql), templates: d.catalog, pools: d.pools, clock: d.clock,
    onChange: () => runner.wake(),
  });
  return { store, campaigns, unsubscribe: new Unsubscribe(tokens, store, contacts, d.clock), runner, builder };
}
