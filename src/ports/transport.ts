/** The SMTP envelope of one message. */
export interface Envelope {
  from: string;
  to: string[];
}

/** What a transport is handed: envelope, finished MIME bytes and identifiers for idempotency and logs. */
export interface OutgoingMessage {
  /** Postflow's message id. */
  id: string;
  /** The RFC 5322 Message-ID (without angle brackets). */
  messageId: string;
  envelope: Envelope;
  raw: Buffer;
  /**
   * When present, the transport may call it once it will never read `raw` again (the outcome is known and every write
   * of the bytes has completed), so that their memory is reused for later messages; at most once. A transport that
   * never calls it is correct too: the bytes are then freed by the collector.
   */
  release?: () => void;
  /**
   * Present when `raw` has 8bit body parts (Content-Transfer-Encoding: 8bit, composed for a transport that says
   * `eightBit`): the same message with those parts in base64, for a hop that does not take 8-bit content (SMTP
   * without 8BITMIME, RFC 6152). Built on first call, then the same bytes. Call it only before `release`: it reads `raw`.
   */
  sevenBit?: () => Buffer;
}

/**
 * What a failure says about the sending identity rather than the message (Gmail, SES and relay quota answers):
 * `exhausted` — the sender's daily quota is used up; `rate` — this sender must slow down;
 * `account_rate` — the whole account behind it (a Google service account / project, an SES account) must slow down.
 */
export interface SenderSignal {
  kind: 'exhausted' | 'rate' | 'account_rate';
  /** When the provider says the sender may try again (epoch ms), if it says. */
  retryAt?: number;
}

/** The result of handing one message to a transport. */
export type SendOutcome =
  | { ok: true; providerMessageId: string; response: string }
  | {
      ok: false;
      permanent: boolean;
      code?: number;
      enhancedCode?: string;
      response: string;
      /** The reply asked to slow down (SMTP 421, 4.7.x, rate-limit wording; HTTP 429): back off the host or account as a whole. */
      throttle?: boolean;
      /** The failure concerns the sender (quota, rate), not the message: move the message to another sender. */
      sender?: SenderSignal;
    };

/** What the caller of Transport.sendBatch may hear while the batch is under way (for the SentJournal). */
export interface SendHooks {
  /** Each outcome as soon as it is known, before the batch ends, so an accepted message can be journaled at once. */
  onOutcome?(index: number, outcome: SendOutcome): void;
  /**
   * Called synchronously just before the point after which the receiver may have message `index` although its
   * answer is not known (SMTP: before its final "." is written; an HTTP API: when its send starts), so that
   * it can be noted as in doubt (docs/adr/0012-sent-journal.md). A transport that cannot tell need not call it.
   */
  onCommitting?(index: number): void;
}

/** A way to deliver composed messages (capture, smtp, gmail, ses). Transports only deliver; they never compose. */
export interface Transport {
  /** The registry name, e.g. "capture". */
  readonly name: string;
  /**
   * Messages may carry 8-bit bodies (composers then send non-ASCII text as 8bit instead of base64): the transport
   * declares BODY=8BITMIME where it is taken and sends OutgoingMessage.sevenBit where it is not. Absent: 7-bit only.
   */
  readonly eightBit?: boolean;
  /**
   * Backpressure for callers that compose just in time (InProcessComposeSend): resolves once so few messages wait
   * inside the transport that more are worth composing now — at once when that is so already, or when it closes.
   * Absent: the transport takes whatever it is handed as soon as it is handed it.
   */
  readyForMore?(): Promise<void>;
  /** Deliver a batch; the outcome at index i belongs to message i. Never throws for a per-message failure. */
  sendBatch(messages: OutgoingMessage[], hooks?: SendHooks): Promise<SendOutcome[]>;
  /** Release connections and file handles. */
  close(): Promise<void>;
}
