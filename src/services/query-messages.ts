import { AppError } from '../domain/errors.js';
import type { Clock } from '../ports/clock.js';
import type { MessageEvent, MessageQuery, MessageRecord, Store } from '../ports/store.js';

/** A message with its full history (the queued event is the message's creation). */
export interface MessageDetail {
  message: MessageRecord;
  events: MessageEvent[];
}

/** Reading and cancelling messages. */
export class QueryMessages {
  constructor(private readonly store: Store, private readonly clock: Clock) {}

  async get(id: string): Promise<MessageDetail> {
    const message = await this.store.getMessage(id);
    if (!message) throw new AppError('MESSAGE_NOT_FOUND', `no message "${id}"`, { field: 'id' });
    const stored = await this.store.getEvents(id);
    // Acceptance writes no event row (one insert per message on the hot path): the row itself is the event.
    const events: MessageEvent[] = [{ messageId: id, type: 'queued', at: message.createdAt, detail: null }, ...stored];
    return { message, events };
  }

  list(q: MessageQuery): Promise<MessageRecord[]> {
    return this.store.listMessages(q);
  }

  /** Cancel a message that has not been handed to a transport. */
  async cancel(id: string): Promise<MessageRecord> {
    const m = await this.store.cancelMessage(id, this.clock.now());
    if (!m) throw new AppError('MESSAGE_NOT_FOUND', `no message "${id}"`, { field: 'id' });
    if (m.status !== 'cancelled') {
      throw new AppError('MESSAGE_NOT_CANCELLABLE', `message "${id}" is ${m.status} and can no longer be cancelled`, { field: 'id' });
    }
    return m;
  }
}
