/** What a permanent rejection means for the address. */
export interface BounceVerdict {
  /** The message ends as `bounced` (a permanent SMTP rejection) rather than `failed` (e.g. it could not be composed). */
  bounced: boolean;
  /** The address itself is bad: never send to it again. */
  suppress: boolean;
}

/**
 * Classify a permanent rejection (RFC 3463). Address failures — X.1.x (bad mailbox, bad domain) and 5.2.1
 * (mailbox disabled), or a bare 550/551/553 with no enhanced code — suppress the address. Policy or content
 * rejections (5.7.x spam/blocked, 5.3.4/552 too big, 5.6.x) bounce the message but keep the address: they say
 * nothing about whether it exists.
 */
export function classifyPermanent(code: number | undefined, enhanced: string | undefined): BounceVerdict {
  if (code === undefined) return { bounced: false, suppress: false };
  if (enhanced) {
    const [, subject, detail] = enhanced.split('.');
    const addressProblem = subject === '1' || (subject === '2' && detail === '1');
    return { bounced: true, suppress: addressProblem };
  }
  return { bounced: true, suppress: code === 550 || code === 551 || code === 553 };
}
