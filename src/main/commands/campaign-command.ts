import type { Command } from 'commander';
import { CAMPAIGN_STATUSES } from '../../domain/campaign.js';
import type { ManageCampaigns } from '../../services/campaigns.js';
import { withRuntime } from './with-runtime.js';

const collect = (v: string, prev: string[]): string[] => [...prev, v];
// Numbers go to the same schema as the API's body: a bad value is VALIDATION_FAILED naming the field, not a commander error.
const numberish = (v: string): number | string => (/^-?\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : v);

type Out = { json?: boolean };

// The API's create schema without the one field the CLI never sets (its null-or-number schema is ajv-only, which
// TypeBox's compiler cannot compile); additionalProperties stays false.
const CLI_FIELDS = (T: typeof import('@sinclair/typebox').Type, schema: typeof import('../../services/campaign-schema.js').CreateCampaignSchema) =>
  T.Omit(schema, ['auto_pause_bounce_rate'], { additionalProperties: false });

/**
 * Run one campaign action against the configured store (like `import`, `export` and `capacity`: no API key or URL
 * to configure, and the same services and validation as the API). A running `postflow start`/`worker` picks the
 * change up from the store: its campaign runner polls at least every second.
 */
const withCampaigns = (fn: (campaigns: ManageCampaigns) => Promise<void>): Promise<void> => withRuntime('campaign', (rt) => fn(rt.campaigns.campaigns));

const print = (s: string): void => void process.stdout.write(`${s}\n`);

/** `campaign list|show|create|start|pause|resume|cancel|duplicate`: campaigns from the command line, `--json` for scripts. */
export function registerCampaignCommand(program: Command): void {
  const campaign = program.command('campaign').description('Create, start, pause, resume, cancel, duplicate and watch campaigns (on the configured store)');

  campaign.command('list').description('Campaigns, newest first')
    .option('--status <status>', `only this status (${CAMPAIGN_STATUSES.join(', ')})`)
    .option('--limit <n>', 'at most this many (1–1000)', '50')
    .option('--json', 'print {"data":[…]} as the API does')
    .action(async (o: Out & { status?: string; limit: string }) => withCampaigns(async (campaigns) => {
      const { AppError } = await import('../../domain/errors.js');
      const { campaignView } = await import('../../adapters/http/campaign-view.js');
      const { listReport } = await import('./campaign-report.js');
      if (o.status !== undefined && !(CAMPAIGN_STATUSES as readonly string[]).includes(o.status)) {
        throw new AppError('VALIDATION_FAILED', `status: must be one of ${CAMPAIGN_STATUSES.join(', ')}`, { field: 'status' });
      }
      const limit = Number(o.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new AppError('VALIDATION_FAILED', 'limit: must be a whole number from 1 to 1000', { field: 'limit' });
      const rows = (await campaigns.list({ status: o.status as never, limit })).map(campaignView);
      print(o.json ? JSON.stringify({ data: rows }) : listReport(rows));
    }));

  campaign.command('show').description('A campaign and its live statistics: targeted, queued, sent, failed, bounced, suppressed, unsubscribed, success rate, throughput, ETA')
    .argument('<id>', 'campaign id')
    .option('--json', 'print {"campaign":…, "stats":…} as the API shows them')
    .action(async (id: string, o: Out) => withCampaigns(async (campaigns) => {
      const { campaignView, campaignStatsView } = await import('../../adapters/http/campaign-view.js');
      const { showReport } = await import('./campaign-report.js');
      const { campaign: c, stats } = await campaigns.stats(id);
      const view = campaignView(c);
      const s = campaignStatsView(c, stats);
      print(o.json ? JSON.stringify({ campaign: view, stats: s }) : showReport(view, s));
    }));

  campaign.command('create').description('Create a draft campaign (start it with `postflow campaign start <id>`)')
    .requiredOption('--name <name>', 'campaign name')
    .requiredOption('--template <id>', 'template id')
    .option('--segment <id>', 'audience: a saved segment')
    .option('--tag <tag>', 'audience: contacts with this tag (repeatable: any of them)', collect, [] as string[])
    .option('--rule <json>', 'audience: a segment rule, e.g. \'{"event":"opened","within_days":30}\'')
    .option('--pool <id>', 'sender pool (default: the default transport)')
    .option('--from <mailbox>', 'sender, e.g. "Shop <shop@example.com>" (default: POSTFLOW_FROM)')
    .option('--rate-per-hour <n>', 'emails per hour (default 500)', numberish)
    .option('--concurrency <n>', 'messages of this campaign out at once (default 5)', numberish)
    .option('--schedule-at <iso>', 'once started, begin at this time (ISO 8601, e.g. 2026-12-01T09:00:00Z)')
    .option('--json', 'print the campaign as the API shows it')
    .action(async (o: Out & { name: string; template: string; segment?: string; tag: string[]; rule?: string; pool?: string; from?: string; ratePerHour?: number | string; concurrency?: number | string; scheduleAt?: string }) => withCampaigns(async (campaigns) => {
      const { AppError } = await import('../../domain/errors.js');
      const { validator } = await import('../../services/request-validation.js');
      const { CreateCampaignSchema } = await import('../../services/campaign-schema.js');
      const { Type } = await import('@sinclair/typebox');
      const { campaignView } = await import('../../adapters/http/campaign-view.js');
      const { audienceText } = await import('./campaign-report.js');
      const audience: Record<string, unknown> = {};
      if (o.segment !== undefined) audience.segment_id = o.segment;
      if (o.tag.length > 0) audience.tags = o.tag;
      if (o.rule !== undefined) {
        try {
          audience.rule = JSON.parse(o.rule) as unknown;
        } catch {
          throw new AppError('VALIDATION_FAILED', 'audience.rule: is not JSON', { field: 'audience.rule' });
        }
      }
      const body: Record<string, unknown> = { name: o.name, template_id: o.template, audience };
      for (const [k, v] of [['sender_pool', o.pool], ['from', o.from], ['rate_limit_per_hour', o.ratePerHour], ['concurrency', o.concurrency], ['scheduled_at', o.scheduleAt]] as const) {
        if (v !== undefined) body[k] = v;
      }
      const c = campaignView(await campaigns.create(validator<Parameters<ManageCampaigns['create']>[0]>(CLI_FIELDS(Type, CreateCampaignSchema))(body)));
      print(o.json ? JSON.stringify(c) : `created ${c.id} (draft) "${c.name}": template ${c.template_id}, ${audienceText(c.audience)}, ${c.rate_limit_per_hour}/h, concurrency ${c.concurrency}\nstart it with: postflow campaign start ${c.id}`);
    }));

  const moves = [
    ['start', 'Start a draft (now, or at its scheduled time): freezes the template version and the audience'],
    ['pause', 'Pause a running campaign: its queued messages are held, nobody gets a second copy on resume'],
    ['resume', 'Resume a paused campaign where it stopped'],
    ['cancel', 'Cancel a campaign: messages not yet being sent are cancelled'],
    ['duplicate', 'A new draft with the same settings, named "<name> (copy)"'],
  ] as const;
  for (const [action, description] of moves) {
    campaign.command(action).description(description)
      .argument('<id>', 'campaign id')
      .option('--json', 'print the campaign as the API shows it')
      .action(async (id: string, o: Out) => withCampaigns(async (campaigns) => {
        const { campaignView } = await import('../../adapters/http/campaign-view.js');
        const c = campaignView(await campaigns[action](id));
        if (o.json) return print(JSON.stringify(c));
        print(action === 'duplicate' ? `duplicated ${id} as ${c.id} (draft) "${c.name}"` : `${c.id} "${c.name}" is ${c.status}${c.scheduled_at && c.status === 'scheduled' ? ` (starts at ${c.scheduled_at})` : ''}`);
      }));
  }
}
