/**
 * Kinds of contact activity a segment can ask about (`{event:"opened", within_days:30}`). Engagement recording
 * writes opened/clicked/converted/unsubscribed; the delivery record writes sent/bounced/failed for messages that
 * carry a contact (campaign messages), in the transaction that records them; tracking will write complained.
 */
export const ACTIVITY_TYPES = ['sent', 'opened', 'clicked', 'converted', 'unsubscribed', 'bounced', 'failed', 'complained'] as const;

/** One kind of contact activity. */
export type ActivityType = (typeof ACTIVITY_TYPES)[number];

/** The latest time (epoch ms) of each kind of activity of one contact: all a rule needs to be evaluated in memory. */
export type LastActivity = Partial<Record<ActivityType, number>>;

/** The latest time of each kind of activity of one contact, per campaign the activity came from (campaign id → times). */
export type CampaignActivity = Record<string, LastActivity>;

/** One activity row: what happened to which contact, when, from which message and campaign (when known). */
export interface ContactActivity {
  contactId: string;
  type: ActivityType;
  at: number;
  messageId: string | null;
  campaignId?: string | null;
}

/** Final message statuses the delivery record turns into contact activity of the same name. */
export const DELIVERY_ACTIVITY = ['sent', 'bounced', 'failed'] as const;

/** True when `s` is an activity type. */
export function isActivityType(s: unknown): s is ActivityType {
  return typeof s === 'string' && (ACTIVITY_TYPES as readonly string[]).includes(s);
}
