import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { OutgoingMessage, SendHooks, SendOutcome, Transport } from '../../../ports/transport.js';

/** What the dashboard shows of a captured message. */
export interface CapturedMessage {
  id: string;
  size: number;
  capturedAt: number;
}

const ID = /^[0-9A-Z]{26}$/;

/**
 * The capture transport: each message becomes `<outbox>/<id>.eml`. Writing goes through a temporary file
 * and a rename, so a file is either whole or absent; a message whose file already exists was delivered by
 * an earlier attempt whose result was lost (a crash), and is not written twice.
 */
export class CaptureTransport implements Transport {
  readonly name = 'capture';
  private ready: Promise<unknown> | null = null;

  constructor(readonly outbox: string) {}

  async sendBatch(messages: OutgoingMessage[], hooks?: SendHooks): Promise<SendOutcome[]> {
    this.ready ??= fs.mkdir(this.outbox, { recursive: true });
    await this.ready;
    return Promise.all(messages.map(async (m, i) => {
      const o = await this.sendOne(m);
      hooks?.onOutcome?.(i, o);
      return o;
    }));
  }

  private async sendOne(m: OutgoingMessage): Promise<SendOutcome> {
    const file = join(this.outbox, `${m.id}.eml`);
    const tmp = `${file}.${process.pid}.tmp`;
    try {
      await fs.access(file);
      return { ok: true, providerMessageId: `${m.id}.eml`, response: 'already captured by an earlier attempt' };
    } catch {
      // Not there yet: write it.
    }
    try {
      await fs.writeFile(tmp, m.raw);
      await fs.rename(tmp, file);
      // The response names the file, not its path: API clients need not learn the server's layout.
      return { ok: true, providerMessageId: `${m.id}.eml`, response: `captured as ${m.id}.eml` };
    } catch (err) {
      await fs.rm(tmp, { force: true }).catch(() => undefined);
      const e = err as NodeJS.ErrnoException;
      // A full or read-only disk may clear: retry later rather than lose the message.
      return { ok: false, permanent: false, response: `capture failed: ${e.code ?? ''} ${e.message}`.trim() };
    }
  }

  /** The newest captured messages. */
  async list(limit: number): Promise<CapturedMessage[]> {
    let names: string[];
    try {
      names = await fs.readdir(this.outbox);
    } catch {
      return [];
    }
    const ids = names.filter((n) => n.endsWith('.eml')).map((n) => n.slice(0, -4)).filter((id) => ID.test(id)).sort().reverse().slice(0, limit);
    return Promise.all(ids.map(async (id) => {
      const st = await fs.stat(join(this.outbox, `${id}.eml`));
      return { id, size: st.size, capturedAt: st.mtimeMs };
    }));
  }

  /** The raw bytes of a captured message, or null. Only well-formed ids are read (no path traversal). */
  async read(id: string): Promise<Buffer | null> {
    if (!ID.test(id)) return null;
    return fs.readFile(join(this.outbox, `${id}.eml`)).catch(() => null);
  }

  async close(): Promise<void> {
    // Nothing held open.
  }
}
