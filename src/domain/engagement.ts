import type { ActivityType } from './contact-activity.js';

/** Engagements that move a contact's score (seed 000). */
export const ENGAGEMENT_TYPES = ['open', 'click', 'conversion', 'unsubscribe'] as const;

/** One kind of engagement. */
export type EngagementType = (typeof ENGAGEMENT_TYPES)[number];

/** Score change of each engagement, in thousandths of a point: open +0.1, click +0.3, conversion +1.0, unsubscribe −2.0. */
export const ENGAGEMENT_DELTA_MILLI: Readonly<Record<EngagementType, number>> = { open: 100, click: 300, conversion: 1000, unsubscribe: -2000 };

/** The activity row each engagement leaves (what segments' `{event: …}` rules look for). */
export const ENGAGEMENT_ACTIVITY: Readonly<Record<EngagementType, ActivityType>> = { open: 'opened', click: 'clicked', conversion: 'converted', unsubscribe: 'unsubscribed' };

/** A contact's engagement state. */
export interface EngagementState {
  engagementMilli: number;
  lastEngagement: number | null;
}

/** True when the engagement updates last_engagement: every one except unsubscribe. */
export function touchesLastEngagement(type: EngagementType): boolean {
  return type !== 'unsubscribe';
}

/**
 * The state after one engagement at `at`: the score moves by the seed's delta and is floored at 0;
 * last_engagement becomes `at` (never moving backwards for a late-arriving event), except on unsubscribe.
 */
export function applyEngagement(s: EngagementState, type: EngagementType, at: number): EngagementState {
  const engagementMilli = Math.max(0, s.engagementMilli + ENGAGEMENT_DELTA_MILLI[type]);
  const lastEngagement = touchesLastEngagement(type) && (s.lastEngagement === null || s.lastEngagement < at) ? at : s.lastEngagement;
  return { engagementMilli, lastEngagement };
}

/** The score as people read it (points): thousandths divided by 1000. */
export function engagementScore(milli: number): number {
  return milli / 1000;
}

/** True when `s` is an engagement type. */
export function isEngagementType(s: unknown): s is EngagementType {
  return typeof s === 'string' && (ENGAGEMENT_TYPES as readonly string[]).includes(s);
}
