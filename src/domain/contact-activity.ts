/**
 * Kinds of contact activity a segment can ask about (`{event:"opened", within_days:30}`). Engagement recording
 * writes opened/clicked/converted/unsubscribed; campaigns and tracking write sent/bounced/complained.
 */
export const ACTIVITY_TYPES = ['sent', 'opened', 'clicked', 'converted', 'unsubscribed', 'bounced', 'complained'] as const;

/** One kind of contact activity. */
export type ActivityType = (typeof ACTIVITY_TYPES)[number];

/** The latest time (epoch ms) of each kind of activity of one contact: all a rule needs to be evaluated in memory. */
export type LastActivity = Partial<Record<ActivityType, number>>;

/** One activity row: what happened to which contact, when, from which message (when known). */
export interface ContactActivity {
  contactId: string;
  type: ActivityType;
  at: number;
  messageId: string | null;
}

/** True when `s` is an activity type. */
export function isActivityType(s: unknown): s is ActivityType {
  return typeof s === 'string' && (ACTIVITY_TYPES as readonly string[]).includes(s);
}
