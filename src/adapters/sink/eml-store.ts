import { promises as fs } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ReceivedMessage } from './smtp-sink.js';

/**
 * Writes each message the sink receives to `<dir>/<id>.eml`, with its envelope prepended as
 * `X-Sink-Mail-From` and `X-Sink-Rcpt-To` headers. Ids restart at 1 with each sink, so a directory reused
 * across runs has its files overwritten.
 */
export class EmlStore {
  /** The absolute directory written to. */
  readonly dir: string;

  private constructor(dir: string) {
    this.dir = dir;
  }

  /** Create the directory if needed. */
  static async open(dir: string): Promise<EmlStore> {
    const abs = resolve(dir);
    await fs.mkdir(abs, { recursive: true });
    return new EmlStore(abs);
  }

  /** Write one message; resolves once the file is written (the sink acknowledges only then). */
  async write(message: ReceivedMessage): Promise<void> {
    const envelope = `X-Sink-Mail-From: ${message.mailFrom || '<>'}\r\nX-Sink-Rcpt-To: ${message.rcptTo.join(', ')}\r\n`;
    await fs.writeFile(this.path(message.id), Buffer.concat([Buffer.from(envelope), message.data]));
  }

  /** Where message `id` is (or would be) written. */
  path(id: number): string {
    return join(this.dir, `${id}.eml`);
  }
}
