import { formatReply, formatReplyLines, queueIdFromReply } from '../../../domain/smtp-reply.js';
import type { OutgoingMessage, SendOutcome } from '../../../ports/transport.js';
import { dataTerminator, dotStuff } from './dot-stuff.js';
import { contentFor, envelopeCommands, envelopeProblem, mailFrom } from './envelope-commands.js';
import type { RawReply } from './reply-reader.js';
import { SmtpConnection } from './smtp-connection.js';
import { errorFailure, replyFailure, SmtpError, toReply } from './smtp-error.js';
import type { SmtpOptions } from './smtp-options.js';

/** One message waiting for a connection, and how to report its outcome. */
export interface Job {
  msg: OutgoingMessage;
  done: (o: SendOutcome) => void;
  /** Already put back once after a connection died before its content was sent (never twice: no loops). */
  requeued: boolean;
  /** Content written: from here on a lost connection may have delivered it, so it is never resent here. */
  bodySent: boolean;
  /** Called just before the content and its final "." are written (SendHooks.onCommitting). */
  committing?: () => void;
  /** Its outcome is reported. */
  settled?: boolean;
  /** Its content's write completed (or failed): the socket holds none of its bytes any more. */
  flushed?: boolean;
}

/** Where a worker gets its jobs: the transport's shared queue. */
export interface JobSource {
  /** The next job, without waiting. */
  take(): Job | undefined;
  /** Put a job back at the front (its connection died before its content went out). */
  requeue(job: Job): void;
  /** Resolves true when jobs may have arrived, false when the worker should stop. */
  wait(wake: (more: boolean) => void): void;
  /** Forget a wait registered by `wait` (the connection died while idle). */
  unwait(wake: (more: boolean) => void): void;
}

type EnvelopeResult = { go: true; rejected: readonly string[] } | { go: false; outcome: SendOutcome };

/** The verdict on an envelope every recipient of which was accepted (shared: the usual case allocates nothing). */
const ALL_ACCEPTED: EnvelopeResult = Object.freeze({ go: true, rejected: Object.freeze([]) });

const accepted = (r: RawReply): boolean => r.code === 250 || r.code === 251;

/**
 * Runs SMTP transactions over one pooled connection, taking jobs from the shared queue until the queue is
 * closed, the connection dies or it has carried `maxMessagesPerConnection` transactions (then QUIT).
 *
 * With PIPELINING a transaction costs one round trip: the content of message n, its final ".", and the MAIL,
 * RCPT and DATA of message n+1 leave in one write (RFC 2920 §3.1 lets content start a group and DATA end
 * one); the replies are read in order. Without it, commands go one by one.
 */
export class ConnectionWorker {
  readonly conn: SmtpConnection;
  private readonly inFlight: Job[] = [];
  private idleWake: ((more: boolean) => void) | null = null;
  // Set when the worker resumes after waiting idle, until the relay answers a MAIL FROM: a relay that timed
  // the idle connection out may have said 421 and hung up in bytes not yet read, and that is no verdict on
  // the message that was written into it.
  private resumed = false;

  constructor(private readonly opts: SmtpOptions, private readonly src: JobSource) {
    this.conn = new SmtpConnection(opts, () => this.wakeIdle());
  }

  /** Run the handshake; rejects with the SmtpError that made it fail. */
  open(): Promise<void> {
    return this.conn.open();
  }

  /** Carry transactions until there is nothing more for this connection to do; never rejects. */
  async run(): Promise<void> {
    const pipelining = this.opts.pipelining && this.conn.capabilities.pipelining;
    let job = await this.nextJob(true);
    let written = false;
    let rset = false;
    let count = 0;
    try {
      while (job) {
        const cur = job;
        count++;
        if (!written) this.inFlight.push(cur);
        const env = (pipelining && written && !rset ? this.bufferedEnvelope(cur) : null)
          ?? (pipelining ? await this.pipelinedEnvelope(cur, written, rset) : await this.stepwiseEnvelope(cur, rset));
        if (!env.go) {
          this.settle(cur, env.outcome);
          rset = true; // RFC 5321 §4.1.1.5: reset a transaction that did not complete before the next one.
          written = false;
          job = count < this.opts.maxMessagesPerConnection ? await this.nextJob(true) : undefined;
          continue;
        }
        const next = count < this.opts.maxMessagesPerConnection ? this.takeSendable() : undefined;
        const content = contentFor(cur.msg, this.conn.capabilities);
        const parts: Buffer[] = [dotStuff(content), dataTerminator(content)];
        if (next && pipelining) {
          parts.push(envelopeCommands(next.msg, this.conn.capabilities, false));
          this.inFlight.push(next);
        }
        cur.bodySent = true;
        cur.committing?.();
        this.conn.write(parts, () => {
          cur.flushed = true;
          if (cur.settled) cur.msg.release?.();
        });
        const fin = await this.conn.read(this.opts.dataTimeout, 'end of DATA');
        if (fin.code === 421) throw this.conn.failWith(new SmtpError('reply', formatReply(toReply(fin)), toReply(fin)));
        this.settle(cur, fin.code >= 200 && fin.code < 300 ? this.delivered(cur.msg, fin, env.rejected) : replyFailure(fin));
        rset = false;
        written = Boolean(next && pipelining);
        job = next ?? (count < this.opts.maxMessagesPerConnection ? await this.nextJob(true) : undefined);
      }
      await this.conn.quit();
    } catch (err) {
      this.lost(err as Error);
    }
  }

  /** Stop at once (the transport is closing and this worker is idle or must not linger). */
  wakeIdle(): void {
    const w = this.idleWake;
    this.idleWake = null;
    if (w) {
      this.src.unwait(w);
      w(false);
    }
  }

  // MAIL, RCPT… and DATA are already on the wire (`written`) or go now in one write; their replies are read
  // in order. A 421 anywhere ends the connection (the relay closes it after saying so).
  private async pipelinedEnvelope(job: Job, written: boolean, rset: boolean): Promise<EnvelopeResult> {
    const { conn } = this;
    if (!written) conn.write(envelopeCommands(job.msg, conn.capabilities, rset));
    if (rset) this.check(await conn.read(this.opts.commandTimeout, 'RSET'));
    const mail = this.check(await conn.read(this.opts.commandTimeout, 'MAIL FROM'));
    this.resumed = false;
    const rcpts: RawReply[] = [];
    for (let i = 0; i < job.msg.envelope.to.length; i++) rcpts.push(this.check(await conn.read(this.opts.commandTimeout, 'RCPT TO')));
    const data = this.check(await conn.read(this.opts.commandTimeout, 'DATA'));
    const verdict = this.envelopeVerdict(job, mail, rcpts, data);
    if (!verdict.go && data.code === 354) {
      // DATA was accepted although nothing else was (RFC 2920 §3.1 says it must not be): end it empty.
      conn.write('.\r\n');
      this.check(await conn.read(this.opts.dataTimeout, 'end of DATA'));
    }
    return verdict;
  }

  // The envelope's replies when they all came with the previous message's end-of-data reply (as they usually do: one
  // write asked for them all): taken without a wait, and without the three promises and turns of the event loop that
  // awaiting each would cost. Null when some have not arrived yet, or when DATA was accepted though nothing else was —
  // then pipelinedEnvelope reads them, as it does when they have not come yet.
  private bufferedEnvelope(job: Job): EnvelopeResult | null {
    const replies = this.conn.replies;
    const n = job.msg.envelope.to.length;
    if (!replies || replies.waiting < n + 2) return null;
    const mail = this.check(replies.peek(0)!);
    this.resumed = false;
    const rcpts: RawReply[] = [];
    for (let i = 1; i <= n; i++) rcpts.push(this.check(replies.peek(i)!));
    const data = this.check(replies.peek(n + 1)!);
    const verdict = this.envelopeVerdict(job, mail, rcpts, data);
    if (!verdict.go && data.code === 354) return null;
    for (let i = 0; i < n + 2; i++) replies.take();
    return verdict;
  }

  private async stepwiseEnvelope(job: Job, rset: boolean): Promise<EnvelopeResult> {
    const { conn } = this;
    if (rset) this.check(await conn.command('RSET'));
    const mail = this.check(await conn.command(mailFrom(job.msg, conn.capabilities), 'MAIL FROM'));
    this.resumed = false;
    if (mail.code !== 250) return { go: false, outcome: replyFailure(mail) };
    const rcpts: RawReply[] = [];
    for (const a of job.msg.envelope.to) rcpts.push(this.check(await conn.command(`RCPT TO:<${a}>`, 'RCPT TO')));
    if (!rcpts.some(accepted)) return this.envelopeVerdict(job, mail, rcpts, mail);
    const data = this.check(await conn.command('DATA'));
    return this.envelopeVerdict(job, mail, rcpts, data);
  }

  private envelopeVerdict(job: Job, mail: RawReply, rcpts: RawReply[], data: RawReply): EnvelopeResult {
    if (mail.code !== 250) return { go: false, outcome: replyFailure(mail) };
    if (rcpts.every(accepted)) return data.code === 354 ? ALL_ACCEPTED : { go: false, outcome: replyFailure(data) };
    const rejected: string[] = [];
    const failures: Array<SendOutcome & { ok: false }> = [];
    rcpts.forEach((r, i) => {
      if (accepted(r)) return;
      failures.push(replyFailure(r));
      rejected.push(`${job.msg.envelope.to[i]}: ${formatReply(toReply(r))}`);
    });
    // Every recipient refused: a permanent failure only if every refusal was permanent.
    if (failures.length === rcpts.length) return { go: false, outcome: failures.find((f) => !f.permanent) ?? failures[0]! };
    if (data.code !== 354) return { go: false, outcome: replyFailure(data) };
    return { go: true, rejected };
  }

  private delivered(m: OutgoingMessage, fin: RawReply, rejected: readonly string[]): SendOutcome {
    const { formatted, text } = formatReplyLines(fin.code, fin.lines);
    const response = rejected.length ? `${formatted}; refused recipients: ${rejected.join('; ')}` : formatted;
    return { ok: true, providerMessageId: queueIdFromReply(text) ?? m.messageId, response };
  }

  // 421 means the relay is closing the channel: treat it as the connection's end, not one message's refusal.
  private check(r: RawReply): RawReply {
    if (r.code === 421) {
      const reply = toReply(r);
      throw this.conn.failWith(new SmtpError('reply', formatReply(reply), reply));
    }
    return r;
  }

  private settle(job: Job, outcome: SendOutcome): void {
    const i = this.inFlight.indexOf(job);
    if (i >= 0) this.inFlight.splice(i, 1);
    job.done(outcome);
    this.markSettled(job);
  }

  // The message's bytes are given back (OutgoingMessage.release) once its outcome is reported and its write is done,
  // whichever comes last: a relay may answer before it has read everything (it should not), and bytes still queued
  // in the socket must not be reused.
  private markSettled(job: Job): void {
    job.settled = true;
    if (job.flushed) job.msg.release?.();
  }

  // The connection died. A job whose content went out gets a transient outcome (the relay may have it: never
  // resent here); so do the job being answered when the relay timed out or said 421, unless the connection had
  // just come back from idle; every other job goes back to the queue, once.
  private lost(err: Error): void {
    this.conn.destroy('error');
    const jobs = this.inFlight.splice(0);
    const e = err instanceof SmtpError ? err : new SmtpError('closed', err.message);
    const verdict = (e.kind === 'reply' || e.kind === 'timeout') && !this.resumed;
    jobs.forEach((job, i) => {
      if (job.bodySent) {
        job.done(errorFailure(e, 'connection lost after the message was sent, before the relay confirmed it: '));
        this.markSettled(job);
      }
      else if ((verdict && (i === 0 || e.kind === 'reply')) || job.requeued) job.done(errorFailure(e, e.kind === 'reply' ? '' : 'connection lost: '));
      else {
        job.requeued = true;
        this.src.requeue(job);
      }
    });
  }

  private takeSendable(): Job | undefined {
    for (let j = this.src.take(); j; j = this.src.take()) {
      const problem = envelopeProblem(j.msg, this.conn.capabilities);
      if (!problem) return j;
      j.done(problem);
    }
    return undefined;
  }

  private async nextJob(block: boolean): Promise<Job | undefined> {
    for (;;) {
      const j = this.takeSendable();
      if (j || !block || this.conn.failed) return j;
      this.conn.setBusy(false);
      this.resumed = true;
      const more = await new Promise<boolean>((resolve) => {
        this.idleWake = resolve;
        this.src.wait(resolve);
      });
      this.idleWake = null;
      this.conn.setBusy(true);
      if (!more) return undefined;
      // An idle connection the relay spoke on is one it is closing ("421 4.4.2 idle timeout"): writing a
      // transaction to it would only earn that 421, so it is let go before it takes a message.
      if (this.conn.hasUnread()) {
        this.conn.destroy('the relay spoke on an idle connection');
        return undefined;
      }
    }
  }
}
