import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Limiter } from '../../../ports/limiter.js';
import type { Store } from '../../../ports/store.js';
import type { PrometheusMetrics } from '../../metrics/prometheus.js';

const ReadySchema = Type.Object({
  status: Type.String(), store: Type.String(), migrations: Type.String(),
  limiter: Type.Optional(Type.String({ description: 'Only with a shared limiter: "redis", or "unreachable" (not a reason for 503: accepting needs only the store)' })),
});

/**
 * /health (liveness), /ready (store reachable and migrated; a shared limiter's state reported beside it),
 * /metrics (Prometheus). Public.
 */
export function systemRoutes(store: Store, metrics: PrometheusMetrics, sharedLimiter?: { name: string; limiter: Pick<Limiter, 'ping'> }): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/health', {
      schema: { tags: ['system'], summary: 'Liveness: the process answers', response: { 200: Type.Object({ status: Type.Literal('ok') }) } },
    }, async () => ({ status: 'ok' as const }));

    app.get('/ready', {
      schema: {
        tags: ['system'], summary: 'Readiness: the store answers and its migrations are applied',
        response: { 200: ReadySchema, 503: ReadySchema },
      },
    }, async (_req, reply) => {
      let reachable = true;
      try {
        await store.ping();
      } catch {
        reachable = false;
      }
      const migrated = reachable && (await store.migrationsApplied());
      const body: { status: string; store: string; migrations: string; limiter?: string } = { status: reachable && migrated ? 'ready' : 'not_ready', store: reachable ? store.dialect : 'unreachable', migrations: migrated ? 'applied' : 'pending' };
      if (sharedLimiter) body.limiter = await sharedLimiter.limiter.ping().then(() => sharedLimiter.name, () => 'unreachable');
      return reply.status(reachable && migrated ? 200 : 503).send(body);
    });

    app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
      const text = await metrics.registry.metrics();
      return reply.type(metrics.registry.contentType).send(text);
    });
  };
}
