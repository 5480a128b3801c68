import { readFile, readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Clock } from '../../ports/clock.js';
import type { Limiter } from '../../ports/limiter.js';
import type { Store } from '../../ports/store.js';
import type { AcceptMessages } from '../../services/accept-message.js';
import type { ApiKeys } from '../../services/api-keys.js';
import type { ManageTemplates } from '../../services/manage-templates.js';
import type { QueryMessages } from '../../services/query-messages.js';
import type { Suppressions } from '../../services/suppressions.js';
import type { PrometheusMetrics } from '../metrics/prometheus.js';
import type { CaptureTransport } from '../transports/capture/capture-transport.js';
import { installAuth } from './auth.js';
import { installErrorHandler } from './error-handler.js';
import { apiKeyRoutes } from './routes/api-keys.js';
import { emailRoutes } from './routes/emails.js';
import { outboxRoutes } from './routes/outbox.js';
import { systemRoutes } from './routes/system.js';
import { suppressionRoutes } from './routes/suppressions.js';
import { templateRoutes } from './routes/templates.js';
import { contactRoutes } from './routes/contacts.js';
import { contactImportRoutes } from './routes/contact-imports.js';
import { segmentRoutes } from './routes/segments.js';
import type { Contacts } from '../../services/contacts.js';
import type { Segments } from '../../services/segments.js';
import type { ImportContacts } from '../../services/import-contacts.js';
import type { ExportContacts } from '../../services/export-contacts.js';
import type { RecordEngagement } from '../../services/record-engagement.js';
import { campaignRoutes } from './routes/campaigns.js';
import { unsubscribeRoutes } from './routes/unsubscribe.js';
import type { ManageCampaigns } from '../../services/campaigns.js';
import type { Unsubscribe } from '../../services/unsubscribe.js';
import { senderRoutes } from './routes/senders.js';
import { poolRoutes } from './routes/pools.js';
import { serviceAccountRoutes } from './routes/service-accounts.js';
import type { ManageSenders } from '../../services/senders.js';
import type { ManagePools } from '../../services/pools.js';
import type { ManageServiceAccounts } from '../../services/service-accounts.js';
import type { CapacityPlanner } from '../../services/capacity.js';

/** Everything the HTTP layer is built from. */
export interface HttpDeps {
  store: Store;
  clock: Clock;
  accept: AcceptMessages;
  messages: QueryMessages;
  templates: ManageTemplates;
  apiKeys: ApiKeys;
  suppressions: Suppressions;
  metrics: PrometheusMetrics;
  /** A limiter shared by several processes (Redis), whose state /ready reports; absent for the in-memory one. */
  sharedLimiter?: { name: string; limiter: Pick<Limiter, 'ping'> };
  /** Present when the capture transport is in use: the dashboard shows its outbox. */
  capture?: CaptureTransport;
  keyRateLimit: number;
  /** A pino logger, or false for none. */
  logger: boolean | object;
  version: string;
  /** Contacts, CSV import/export, segments and engagement (issue 5, part A); their routes are absent without them. */
  contacts?: { contacts: Contacts; segments: Segments; imports: ImportContacts; exports: ExportContacts; engagement: RecordEngagement; spoolDir: string };
  /** Senders, pools, service accounts and capacity (issue 4); their routes are absent without them. */
  senders?: { senders: ManageSenders; pools: ManagePools; serviceAccounts: ManageServiceAccounts; capacity: CapacityPlanner };
  /** Campaigns and the public one-click unsubscribe (issue 5); their routes are absent without them. */
  campaigns?: { campaigns: ManageCampaigns; unsubscribe: Unsubscribe };
}

const WEB_DIR = fileURLToPath(new URL('../../../web/', import.meta.url));

/**
 * The dashboard's Content-Security-Policy: only its own scripts (no inline script or event-handler attribute can
 * run, a second line behind rendering every API value as text), no plugins, no framing of the dashboard. The
 * captured-message preview is a sandboxed srcdoc iframe, which inherits this policy on top of its own stricter one.
 */
const DASHBOARD_CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: cid:; "
  + "font-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** Build the Fastify app (not listening): routes, auth, errors, OpenAPI, metrics, dashboard. */
export async function buildApp(deps: HttpDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: typeof deps.logger === 'object' ? (deps.logger as never) : undefined,
    logger: typeof deps.logger === 'boolean' ? deps.logger : undefined,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 10 * 1024 * 1024,
    // Unsubscribe tokens (/u/:token) run to ~120 characters; the router's default limit per parameter is 100.
    routerOptions: { maxParamLength: 600 },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  // The API speaks JSON only: a text/plain body is refused with UNSUPPORTED_MEDIA_TYPE, not half-parsed.
  app.removeContentTypeParser('text/plain');
  installErrorHandler(app);
  installAuth(app, deps.apiKeys, deps.clock, deps.keyRateLimit);

  app.addHook('onResponse', async (req, reply) => {
    const endpoint = `${req.method} ${req.routeOptions.url ?? 'unmatched'}`;
    deps.metrics.requests.inc({ endpoint, status: String(reply.statusCode) });
    deps.metrics.requestDuration.observe({ endpoint }, reply.elapsedTime / 1000);
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Postflow API', version: deps.version, description: 'Transactional email API. Authenticate with `Authorization: Bearer pf_…`.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });

  await app.register(systemRoutes(deps.store, deps.metrics, deps.sharedLimiter));
  if (deps.campaigns) await app.register(unsubscribeRoutes(deps.campaigns.unsubscribe));
  await app.register(async (api) => {
    await api.register(emailRoutes({ accept: deps.accept, messages: deps.messages }));
    await api.register(templateRoutes(deps.templates));
    await api.register(apiKeyRoutes(deps.apiKeys));
    await api.register(suppressionRoutes(deps.suppressions));
    if (deps.capture) await api.register(outboxRoutes(deps.capture));
    if (deps.contacts) {
      await api.register(contactRoutes(deps.contacts));
      await api.register(contactImportRoutes(deps.contacts));
      await api.register(segmentRoutes(deps.contacts.segments));
    }
    if (deps.campaigns) await api.register(campaignRoutes(deps.campaigns.campaigns));
    if (deps.senders) {
      await api.register(senderRoutes(deps.senders.senders, deps.senders.capacity));
      await api.register(poolRoutes(deps.senders.pools));
      await api.register(serviceAccountRoutes(deps.senders.serviceAccounts));
    }
    api.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  }, { prefix: '/api/v1' });

  // The dashboard: index.html at /, and each script (ES modules, no build step) and stylesheet of web/ at /<name>.
  app.get('/', { schema: { hide: true } }, async (_req, reply) =>
    reply.type('text/html; charset=utf-8').header('content-security-policy', DASHBOARD_CSP).send(await readFile(`${WEB_DIR}index.html`)));
  for (const file of (await readdir(WEB_DIR)).filter((f) => /^[a-z0-9-]+\.(js|css)$/.test(f))) {
    const type = file.endsWith('.js') ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8';
    app.get(`/${file}`, { schema: { hide: true } }, async (_req, reply) => reply.type(type).send(await readFile(`${WEB_DIR}${file}`)));
  }

  return app;
}
