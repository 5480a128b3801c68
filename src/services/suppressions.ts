import { Type, type Static } from '@sinclair/typebox';
import { AppError } from '../domain/errors.js';
import { addressProblem } from '../domain/address.js';
import type { Clock } from '../ports/clock.js';
import type { Store, Suppression, SuppressionReason } from '../ports/store.js';

/** Reasons a suppression may have. */
export const SUPPRESSION_REASONS = ['hard_bounce', 'complaint', 'unsubscribe', 'manual'] as const;

/** Body of POST /suppressions: one or many addresses. */
export const AddSuppressionsSchema = Type.Object({
  addresses: Type.Array(Type.String({ minLength: 3, maxLength: 320 }), { minItems: 1, maxItems: 10_000 }),
  reason: Type.Optional(Type.Union(SUPPRESSION_REASONS.map((r) => Type.Literal(r)), { default: 'manual' })),
  detail: Type.Optional(Type.String({ maxLength: 1000 })),
}, { additionalProperties: false });
export type AddSuppressions = Static<typeof AddSuppressionsSchema>;

/** The suppression list: addresses never sent to again. Workers consult it at send time, the API at accept time. */
export class Suppressions {
  constructor(private readonly store: Store, private readonly clock: Clock) {}

  /** Add addresses (validated all first: nothing is written when one is bad). Returns how many were new. */
  async add(req: AddSuppressions): Promise<{ added: number; already: number }> {
    req.addresses.forEach((a, i) => {
      const p = addressProblem(a.trim());
      if (p) throw new AppError('VALIDATION_FAILED', `addresses[${i}]: ${p}`, { field: `addresses[${i}]` });
    });
    const now = this.clock.now();
    const rows: Suppression[] = req.addresses.map((a) => ({ address: a.trim().toLowerCase(), reason: (req.reason ?? 'manual') as SuppressionReason, detail: req.detail ?? null, messageId: null, createdAt: now }));
    const added = await this.store.addSuppressions(rows);
    return { added, already: new Set(rows.map((r) => r.address)).size - added };
  }

  async get(address: string): Promise<Suppression> {
    const s = (await this.store.findSuppressions([address])).get(address.toLowerCase());
    if (!s) throw new AppError('SUPPRESSION_NOT_FOUND', `${address} is not suppressed`, { field: 'address' });
    return s;
  }

  list(q: { limit: number; reason?: SuppressionReason; cursor?: string }): Promise<Suppression[]> {
    let before: { createdAt: number; address: string } | undefined;
    if (q.cursor) {
      const [t, ...rest] = q.cursor.split(':');
      before = { createdAt: Number(t), address: rest.join(':') };
      if (!Number.isFinite(before.createdAt) || !before.address) throw new AppError('VALIDATION_FAILED', 'cursor: is not a cursor this API returned', { field: 'cursor' });
    }
    return this.store.listSuppressions({ limit: q.limit, reason: q.reason, before });
  }

  async remove(address: string): Promise<void> {
    if (!(await this.store.removeSuppression(address))) throw new AppError('SUPPRESSION_NOT_FOUND', `${address} is not suppressed`, { field: 'address' });
  }
}
