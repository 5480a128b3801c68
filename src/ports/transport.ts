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
    };

/** A way to deliver composed messages (capture, smtp, gmail, ses). Transports only deliver; they never compose. */
export interface Transport {
  /** The registry name, e.g. "capture". */
  readonly name: string;
  /** Deliver a batch; the outcome at index i belongs to message i. Never throws for a per-message failure. */
  sendBatch(messages: OutgoingMessage[]): Promise<SendOutcome[]>;
  /** Release connections and file handles. */
  close(): Promise<void>;
}
