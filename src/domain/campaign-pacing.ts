import { reserveSlot } from './gcra.js';
import { isInWindow, type SendingWindow } from './sending-window.js';

/** The pacing of one campaign: emails per hour, and how many of its messages may be out at once. */
export interface CampaignPace {
  ratePerHour: number;
  concurrency: number;
  window: SendingWindow | null;
}

/** How many held messages the runner may hand to the queue now, and the limiter state after handing over `count`. */
export interface ReleaseAllowance {
  count: number;
  /** The GCRA theoretical arrival time after releasing k messages (k ≤ count). */
  tatAfter: (k: number) => number;
}

/**
 * Release pacing (GCRA at ratePerHour, bursts of `concurrency`): a campaign's messages enter the queue no faster
 * than the rate allows and never more than `concurrency` at a time — `inFlight` (released and due, or being sent)
 * counts against it. Outside the sending window nothing is released. `tat` is the state from the last release.
 */
export function releaseAllowance(pace: CampaignPace, tat: number | null, inFlight: number, now: number): ReleaseAllowance {
  const interval = 3600_000 / pace.ratePerHour;
  const start = Math.max(tat ?? now, now);
  const none: ReleaseAllowance = { count: 0, tatAfter: () => start };
  if (pace.window && !isInWindow(pace.window, now)) return none;
  const room = pace.concurrency - inFlight;
  if (room <= 0) return none;
  const spec = { perSecond: 1000 / interval, burst: pace.concurrency };
  let state = tat ?? undefined;
  let count = 0;
  while (count < room) {
    const slot = reserveSlot(spec, state, now);
    if (slot.sendAt > now) break;
    state = slot.tat;
    count++;
  }
  return { count, tatAfter: (k) => start + k * interval };
}

/** Fewest messages one campaign keeps materialised but not yet released. */
const MIN_LOOKAHEAD = 10;

/**
 * How many materialised-but-held messages to keep ready: about a minute of sending plus two bursts, within
 * [10, max] (max: POSTFLOW_CAMPAIGN_LOOKAHEAD, default 5000). Materialising just ahead of sending keeps
 * `created_at` close to the send (so the seed's average send time, sent_at − created_at, means something) and
 * keeps a pause cheap: only this many wait to be held.
 */
export function materialiseLookahead(pace: Pick<CampaignPace, 'ratePerHour' | 'concurrency'>, max = 5000): number {
  const perMinute = Math.ceil(pace.ratePerHour / 60);
  return Math.min(max, Math.max(MIN_LOOKAHEAD, perMinute + 2 * pace.concurrency));
}
