import type { SegmentRecord, SegmentStore } from '../../ports/segment-store.js';
import type { SqlContext } from './sql-context.js';
import { rowToSegment } from './contact-rows.js';

/** The SegmentStore over SQL, for SQLite and PostgreSQL alike. */
export class SqlSegmentStore implements SegmentStore {
  constructor(private readonly ctx: SqlContext) {}

  async createSegment(s: SegmentRecord): Promise<SegmentRecord> {
    await this.ctx.db.insertInto('segments').values({
      id: s.id, name: s.name, description: s.description, rule: JSON.stringify(s.rule), created_at: s.createdAt, updated_at: s.updatedAt,
    }).execute();
    return { ...s, rule: JSON.parse(JSON.stringify(s.rule)) };
  }

  async getSegment(id: string): Promise<SegmentRecord | null> {
    const row = await this.ctx.db.selectFrom('segments').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? rowToSegment(row) : null;
  }

  async listSegments(): Promise<SegmentRecord[]> {
    const rows = await this.ctx.db.selectFrom('segments').selectAll().execute();
    // Sorted here: the two dialects' collations order names differently.
    return rows.map(rowToSegment).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id < b.id ? -1 : 1));
  }

  async updateSegment(id: string, patch: { name?: string; description?: string | null; rule?: unknown }, now: number): Promise<SegmentRecord | null> {
    const row = await this.ctx.db.updateTable('segments').set({
      updated_at: now,
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.description !== undefined ? { description: patch.description } : {}),
      ...(patch.rule !== undefined ? { rule: JSON.stringify(patch.rule) } : {}),
    }).where('id', '=', id).returningAll().executeTakeFirst();
    return row ? rowToSegment(row) : null;
  }

  async deleteSegment(id: string): Promise<boolean> {
    const res = await this.ctx.db.deleteFrom('segments').where('id', '=', id).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }
}
