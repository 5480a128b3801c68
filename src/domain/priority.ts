/** Message priorities; a lower rank drains first. */
export const PRIORITIES = ['critical', 'high', 'normal', 'low'] as const;

/** One of the four message priorities. */
export type Priority = (typeof PRIORITIES)[number];

/** The rank stored with a message: critical 0 … low 3, so ORDER BY rank drains the most urgent first. */
export function priorityRank(p: Priority): number {
  return PRIORITIES.indexOf(p);
}

/** The priority name for a stored rank. */
export function priorityName(rank: number): Priority {
  return PRIORITIES[rank] ?? 'normal';
}
