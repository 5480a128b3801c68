import type { SenderRecord } from './sender-store.js';
import type { Transport } from './transport.js';

/** One transport per sender (its relay, its Workspace user, its SES identity), built once and reused. */
export interface SenderTransports {
  /** The sender's transport, rebuilt when the sender's settings changed since it was made. */
  forSender(sender: SenderRecord): Promise<Transport>;
  /** Close and forget a sender's transport (after it was deleted or its credentials changed). */
  evict(senderId: string): Promise<void>;
  close(): Promise<void>;
}
