import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../../domain/errors.js';
import { takeTokens, type BucketState } from '../../domain/token-bucket.js';
import type { Clock } from '../../ports/clock.js';
import { hasScope, type ApiKeys, type Principal, type Scope } from '../../services/api-keys.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
  interface FastifyContextConfig {
    /** The scope a route needs; routes without one are public. */
    scope?: Scope;
  }
}

/**
 * Bearer-key authentication and per-key rate limiting for every route that declares `config.scope`.
 * Keys are looked up through the ApiKeys cache; buckets live in this process (per-process limit).
 */
export function installAuth(app: FastifyInstance, keys: ApiKeys, clock: Clock, ratePerSec: number): void {
  const buckets = new Map<string, BucketState>();
  const spec = { capacity: ratePerSec * 2, ratePerSec };
  app.addHook('onRequest', async (req: FastifyRequest, reply) => {
    const scope = req.routeOptions.config.scope;
    if (!scope) return;
    const header = req.headers.authorization;
    const m = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!m) throw new AppError('UNAUTHORIZED', 'send an API key as "Authorization: Bearer pf_…"', { field: 'authorization' });
    const principal = await keys.authenticate(m[1]!);
    if (!principal) throw new AppError('UNAUTHORIZED', 'the API key is unknown or revoked', { field: 'authorization' });
    if (!hasScope(principal, scope)) throw new AppError('FORBIDDEN', `this route needs the "${scope}" scope; the key has ${principal.scopes.join(', ')}`, { field: 'authorization' });
    const now = clock.now();
    const r = takeTokens(spec, buckets.get(principal.keyId), now);
    buckets.set(principal.keyId, r.state);
    if (!r.ok) {
      void reply.header('retry-after', String(Math.ceil(r.waitMs / 1000)));
      throw new AppError('RATE_LIMITED', `rate limit of ${ratePerSec} requests/s for this key exceeded; retry in ${r.waitMs} ms`, { retryable: true });
    }
    req.principal = principal;
  });
}
