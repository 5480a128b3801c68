/**
 * The message status machine:
 * queued → sending → sent | deferred → sending … | failed | bounced | suppressed; queued|deferred → cancelled.
 */
export const MESSAGE_STATUSES = ['queued', 'sending', 'sent', 'deferred', 'failed', 'bounced', 'suppressed', 'cancelled'] as const;

/** One state of the status machine. */
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

/** Statuses from which a message is never sent again. */
export const FINAL_STATUSES: ReadonlySet<MessageStatus> = new Set(['sent', 'failed', 'bounced', 'suppressed', 'cancelled']);

/** Statuses a message waits in until a worker claims it. */
export const WAITING_STATUSES: ReadonlySet<MessageStatus> = new Set(['queued', 'deferred']);

const TRANSITIONS: Record<MessageStatus, readonly MessageStatus[]> = {
  queued: ['sending', 'cancelled', 'suppressed'],
  deferred: ['sending', 'cancelled', 'suppressed'],
  // A lease that expires puts a sending message back to deferred; a result moves it on.
  sending: ['sent', 'deferred', 'failed', 'bounced', 'suppressed'],
  sent: [],
  failed: [],
  bounced: [],
  suppressed: [],
  cancelled: [],
};

/** True when the status machine allows moving from `from` to `to`. */
export function canTransition(from: MessageStatus, to: MessageStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Event types recorded in a message's history. */
export const EVENT_TYPES = ['queued', 'sending', 'sent', 'deferred', 'failed', 'bounced', 'suppressed', 'cancelled', 'lease_expired', 'opened', 'clicked', 'unsubscribed'] as const;

/** One event type of a message's history. */
export type EventType = (typeof EVENT_TYPES)[number];
