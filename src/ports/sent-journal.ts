/** What a journal notes about one message a receiver accepted. */
export interface SentEntry {
  id: string;
  providerMessageId: string;
  transport: string;
  response: string;
}

/**
 * A record, written the moment a receiver accepts a message and before anything else happens, of messages sent but
 * not yet recorded in the store. A crash between the two leaves the message leased; when its lease expires, the
 * journal says it was sent, so it is recorded instead of sent a second time (docs/adr/0012-sent-journal.md).
 */
export interface SentJournal {
  /** Note accepted messages; durable against a crash of this process once it returns. */
  note(entries: SentEntry[]): void;
  /** The entries, in any process's journal, for these message ids. */
  find(ids: string[]): Promise<Map<string, SentEntry>>;
  close(): Promise<void>;
}
