import { closeSync, mkdirSync, openSync, readdirSync, rmSync, statSync, writeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { InDoubtEntry, JournalFinding, SentEntry, SentJournal } from '../../ports/sent-journal.js';

/** How long a journal file is written to before the next one starts. */
const ROTATE_MS = 60_000;

const clean = (s: string): string => s.replace(/[\t\r\n]/g, ' ');

/** First field of an in-doubt line (message ids are ULIDs: never this). */
const IN_DOUBT = 'D';

/**
 * The sent journal as append-only files under `<dir>`, one series per writer (`<name>-<n>.log`), one line per message:
 * `id TAB provider id TAB transport TAB response` for an accepted message, `D TAB id TAB attempt TAB transport` for
 * one whose end of data is being written. A line is written with one write(2) on the file opened for append:
 * the kernel keeps it when the process is killed (only a machine crash can lose it). Files are kept for `retainMs`
 * after they are closed — longer than any lease that could still name their messages — and then removed, by their
 * writer or by any writer starting later (a dead writer's files).
 */
export class FileSentJournal implements SentJournal {
  private fd: number | null = null;
  private file = '';
  private openedAt = 0;
  private seq = 0;
  private readonly closed: Array<{ file: string; at: number }> = [];

  constructor(private readonly dir: string, private readonly name: string, private readonly retainMs: number, private readonly now: () => number = Date.now) {
    mkdirSync(dir, { recursive: true });
    this.sweep();
  }

  note(entries: SentEntry[]): void {
    if (entries.length === 0) return;
    this.write(entries.map((e) => `${e.id}\t${clean(e.providerMessageId)}\t${clean(e.transport)}\t${clean(e.response)}\n`).join(''));
  }

  noteInDoubt(e: InDoubtEntry): void {
    this.write(`${IN_DOUBT}\t${e.id}\t${e.attempt}\t${clean(e.transport)}\n`);
  }

  async find(ids: string[]): Promise<Map<string, JournalFinding>> {
    const want = new Set(ids);
    const found = new Map<string, JournalFinding>();
    const at = (id: string): JournalFinding => {
      let f = found.get(id);
      if (!f) found.set(id, (f = {}));
      return f;
    };
    if (want.size === 0) return found;
    for (const f of readdirSync(this.dir).filter((n) => n.endsWith('.log'))) {
      let text: string;
      try {
        text = await readFile(join(this.dir, f), 'utf8');
      } catch {
        continue; // removed meanwhile
      }
      const lines = text.split('\n');
      // Every entry ends with a newline: what follows the last one is empty, or a line cut short by a crash.
      lines.pop();
      for (const line of lines) {
        const [a, b, c, d] = line.split('\t');
        if (d === undefined) continue;
        if (a === IN_DOUBT) {
          if (!want.has(b!)) continue;
          (at(b!).inDoubt ??= []).push({ id: b!, attempt: Number(c), transport: d });
        } else if (want.has(a!)) at(a!).sent = { id: a!, providerMessageId: b!, transport: c!, response: d };
      }
    }
    return found;
  }

  private write(text: string): void {
    const t = this.now();
    if (this.fd === null || t - this.openedAt > ROTATE_MS) this.rotate(t);
    writeSync(this.fd!, text);
  }

  async close(): Promise<void> {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  private rotate(t: number): void {
    if (this.fd !== null) {
      closeSync(this.fd);
      this.closed.push({ file: this.file, at: t });
    }
    this.file = join(this.dir, `${this.name}-${this.seq++}.log`);
    this.fd = openSync(this.file, 'a');
    this.openedAt = t;
    while (this.closed.length && t - this.closed[0]!.at > this.retainMs) rmSync(this.closed.shift()!.file, { force: true });
  }

  // Files of writers that are gone: last written longer ago than the retention.
  private sweep(): void {
    const t = this.now();
    for (const f of readdirSync(this.dir).filter((n) => n.endsWith('.log'))) {
      const p = join(this.dir, f);
      try {
        if (t - statSync(p).mtimeMs > this.retainMs) rmSync(p, { force: true });
      } catch {
        // removed meanwhile
      }
    }
  }
}
