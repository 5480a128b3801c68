/** Delivery outcomes the bounce rule looks at. */
export interface BounceCounts {
  sent: number;
  bounced: number;
  failed: number;
}

/**
 * The auto-pause rule: once at least `minAttempts` messages were attempted (sent + bounced + failed), a bounce
 * rate (bounced / attempted) above `threshold` pauses the campaign. Returns the reason to show, or null to go on.
 * A null threshold never pauses.
 */
export function bouncePauseReason(c: BounceCounts, threshold: number | null, minAttempts: number): string | null {
  if (threshold === null) return null;
  const attempted = c.sent + c.bounced + c.failed;
  if (attempted === 0 || attempted < minAttempts) return null;
  const rate = c.bounced / attempted;
  if (rate <= threshold) return null;
  const pct = (x: number): string => `${(Math.round(x * 1000) / 10).toString()} %`;
  return `auto-paused: bounce rate ${pct(rate)} (${c.bounced} of ${attempted} attempted) is above ${pct(threshold)}`;
}
