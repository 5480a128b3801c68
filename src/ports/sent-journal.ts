/** What a journal notes about one message a receiver accepted. */
export interface SentEntry {
  id: string;
  providerMessageId: string;
  transport: string;
  response: string;
}

/** What a journal notes about a message whose end of data is about to be written: from then on it is in doubt. */
export interface InDoubtEntry {
  id: string;
  /** The attempt (the message's `attempts` when claimed) that wrote it: an older attempt's note says nothing of a newer one. */
  attempt: number;
  transport: string;
}

/** What the journal knows of one message: accepted (with the receiver's answer), and/or in doubt at some attempts. */
export interface JournalFinding {
  sent?: SentEntry;
  /** The attempts whose end of data was written (noted only for messages whose in-doubt policy is assume-sent). */
  inDoubt?: InDoubtEntry[];
}

/**
 * A record, written the moment a receiver accepts a message and before anything else happens, of messages sent but
 * not yet recorded in the store. A crash between the two leaves the message leased; when its lease expires, the
 * journal says it was sent, so it is recorded instead of sent a second time (docs/adr/0012-sent-journal.md).
 */
export interface SentJournal {
  /** Note accepted messages; durable against a crash of this process once it returns. */
  note(entries: SentEntry[]): void;
  /** Note a message whose end of data is about to be written; durable against a crash of this process once it returns. */
  noteInDoubt(entry: InDoubtEntry): void;
  /** What any process's journal holds for these message ids (ids it knows nothing of are absent). */
  find(ids: string[]): Promise<Map<string, JournalFinding>>;
  close(): Promise<void>;
}
