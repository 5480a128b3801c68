import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { CAMPAIGN_STATUSES } from '../../../domain/campaign.js';
import type { ManageCampaigns } from '../../../services/campaigns.js';
import { CreateCampaignSchema, UpdateCampaignSchema } from '../../../services/campaign-schema.js';
import { CampaignSchema, CampaignStatsSchema, campaignStatsView, campaignView } from '../campaign-view.js';
import { errorResponses } from '../schemas.js';

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false });
const ACTIONS = ['start', 'pause', 'resume', 'cancel'] as const;
const ACTION_SUMMARY: Record<(typeof ACTIONS)[number], string> = {
  start: 'Start a draft: running at once, or scheduled until scheduled_at',
  pause: 'Pause a running campaign: stops materialising and takes its queued messages out of the queue',
  resume: 'Resume a paused campaign where it stopped (no message is ever created twice)',
  cancel: 'Cancel: every message not yet being sent is cancelled',
};

/** /api/v1/campaigns: CRUD, lifecycle actions, duplicate and live statistics. */
export function campaignRoutes(campaigns: ManageCampaigns): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post('/campaigns', {
      config: { scope: 'send' },
      schema: { tags: ['campaigns'], summary: 'Create a campaign (a draft)', body: CreateCampaignSchema, response: { 201: CampaignSchema, ...errorResponses } },
    }, async (req, reply) => reply.status(201).send(campaignView(await campaigns.create(req.body))));

    app.get('/campaigns', {
      config: { scope: 'read' },
      schema: {
        tags: ['campaigns'], summary: 'Campaigns, newest first',
        querystring: Type.Object({
          status: Type.Optional(Type.Union(CAMPAIGN_STATUSES.map((s) => Type.Literal(s)))),
          cursor: Type.Optional(Type.String({ maxLength: 64 })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
        }, { additionalProperties: false }),
        response: { 200: Type.Object({ data: Type.Array(CampaignSchema), next_cursor: Type.Union([Type.String(), Type.Null()]) }), ...errorResponses },
      },
    }, async (req) => {
      const limit = req.query.limit ?? 50;
      const rows = await campaigns.list({ status: req.query.status, cursor: req.query.cursor, limit });
      return { data: rows.map(campaignView), next_cursor: rows.length === limit ? rows[rows.length - 1]!.id : null };
    });

    app.get('/campaigns/:id', {
      config: { scope: 'read' },
      schema: { tags: ['campaigns'], summary: 'A campaign', params: IdParams, response: { 200: CampaignSchema, ...errorResponses } },
    }, async (req) => campaignView(await campaigns.get(req.params.id)));

    app.patch('/campaigns/:id', {
      config: { scope: 'send' },
      schema: {
        tags: ['campaigns'], summary: 'Change a draft; once started only rate_limit_per_hour, concurrency, sending_window and the auto-pause rule',
        params: IdParams, body: UpdateCampaignSchema, response: { 200: CampaignSchema, ...errorResponses },
      },
    }, async (req) => campaignView(await campaigns.update(req.params.id, req.body)));

    app.delete('/campaigns/:id', {
      config: { scope: 'send' },
      schema: { tags: ['campaigns'], summary: 'Delete a draft (cancel a started campaign instead)', params: IdParams, response: { 204: Type.Null(), ...errorResponses } },
    }, async (req, reply) => {
      await campaigns.remove(req.params.id);
      return reply.status(204).send(null);
    });

    for (const action of ACTIONS) {
      app.post(`/campaigns/:id/${action}`, {
        config: { scope: 'send' },
        schema: { tags: ['campaigns'], summary: ACTION_SUMMARY[action], params: IdParams, response: { 200: CampaignSchema, ...errorResponses } },
      }, async (req) => campaignView(await campaigns[action](req.params.id)));
    }

    app.post('/campaigns/:id/duplicate', {
      config: { scope: 'send' },
      schema: { tags: ['campaigns'], summary: 'Copy a campaign\'s settings into a new draft', params: IdParams, response: { 201: CampaignSchema, ...errorResponses } },
    }, async (req, reply) => reply.status(201).send(campaignView(await campaigns.duplicate(req.params.id))));

    app.get('/campaigns/:id/stats', {
      config: { scope: 'read' },
      schema: { tags: ['campaigns'], summary: 'Live statistics: counts, skips, success rate, average send time, throughput, ETA', params: IdParams, response: { 200: CampaignStatsSchema, ...errorResponses } },
    }, async (req) => {
      const { campaign, stats } = await campaigns.stats(req.params.id);
      return campaignStatsView(campaign, stats);
    });
  };
}
