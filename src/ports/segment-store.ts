/** A saved segment: a named rule as the user wrote it (validated JSON). */
export interface SegmentRecord {
  id: string;
  name: string;
  description: string | null;
  /** The rule's JSON, exactly as accepted; parseRule gives its checked form. */
  rule: unknown;
  createdAt: number;
  updatedAt: number;
}

/** Saved segments. SQLite and PostgreSQL implement it alike. */
export interface SegmentStore {
  createSegment(s: SegmentRecord): Promise<SegmentRecord>;
  getSegment(id: string): Promise<SegmentRecord | null>;
  /** All segments by name. */
  listSegments(): Promise<SegmentRecord[]>;
  /** Change name, description and/or rule; null when unknown. */
  updateSegment(id: string, patch: { name?: string; description?: string | null; rule?: unknown }, now: number): Promise<SegmentRecord | null>;
  deleteSegment(id: string): Promise<boolean>;
}
