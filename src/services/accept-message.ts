import { monotonicUlid } from './ulid.js';
import { AppError, invalid } from '../domain/errors.js';
import { parseMailbox, type Mailbox } from '../domain/address.js';
import { headerProblem, hasLineBreak } from '../domain/headers.js';
import { priorityRank } from '../domain/priority.js';
import type { Clock } from '../ports/clock.js';
import type { InsertResult, NewMessage, Store } from '../ports/store.js';
import { MAX_BATCH, SendRequestSchema, type SendRequest } from './send-schema.js';
import { validator } from './request-validation.js';
import type { TemplateCatalog } from './template-catalog.js';
import type { PoolCheck } from './pools.js';

/** Settings the accept path needs. */
export interface AcceptOptions {
  defaultFrom: Mailbox;
  /** Attempts per message: 1 + retries. */
  maxAttempts: number;
  /** Checks a named sender pool exists and has senders (issue 4); without it, naming a pool is refused. */
  pools?: PoolCheck;
}

/** The answer for one accepted message. */
export interface Accepted {
  id: string;
  status: 'queued';
  duplicate: boolean;
}

/** One refused item of a batch. */
export interface Rejected {
  index: number;
  code: string;
  message: string;
  field?: string;
}

const validateSend = validator<SendRequest>(SendRequestSchema);
const MAX_SCHEDULE_MS = 366 * 24 * 3600_000;

/**
 * Accepting messages: validate each request, resolve its template version, and write the messages in one
 * transaction. When this resolves, the messages are durable; nothing is written when validation fails.
 */
export class AcceptMessages {
  private readonly nextId = monotonicUlid();

  constructor(
    private readonly store: Store,
    private readonly templates: TemplateCatalog,
    private readonly clock: Clock,
    private readonly opts: AcceptOptions,
    /** Called after messages are stored, so in-process workers wake at once. */
    private readonly onQueued: () => void = () => undefined,
  ) {}

  /** Accept one message; throws an AppError naming the field when the request is invalid. */
  async sendOne(body: unknown, apiKeyId: string | null): Promise<Accepted> {
    const msg = await this.prepare(validateSend(body), apiKeyId, '');
    const s = (await this.store.findSuppressions([msg.toAddress])).get(msg.toAddress.toLowerCase());
    if (s) throw suppressedError('to', msg.toAddress, s.reason);
    const [res] = await this.store.insertMessages([msg]);
    this.onQueued();
    return { id: res!.id, status: 'queued', duplicate: res!.duplicate };
  }

  /** Accept a batch: valid items are stored together, invalid ones reported by index. */
  async sendBatch(items: unknown[], apiKeyId: string | null): Promise<{ queued: Array<{ index: number; id: string; duplicate: boolean }>; rejected: Rejected[] }> {
    if (items.length > MAX_BATCH) {
      throw new AppError('BATCH_TOO_LARGE', `messages: a batch holds at most ${MAX_BATCH} messages, got ${items.length}`, { field: 'messages' });
    }
    const ready: NewMessage[] = [];
    const indexes: number[] = [];
    const rejected: Rejected[] = [];
    for (let i = 0; i < items.length; i++) {
      try {
        ready.push(await this.prepare(validateSend(items[i], `messages[${i}]`), apiKeyId, `messages[${i}].`));
        indexes.push(i);
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        rejected.push({ index: i, code: err.code, message: err.message, field: err.field });
      }
    }
    // Suppressed recipients are refused here, by index, like any invalid item.
    const suppressed = await this.store.findSuppressions(ready.map((m) => m.toAddress));
    const keep: NewMessage[] = [];
    const keepIndexes: number[] = [];
    ready.forEach((m, k) => {
      const s = suppressed.get(m.toAddress.toLowerCase());
      if (!s) {
        keep.push(m);
        keepIndexes.push(indexes[k]!);
        return;
      }
      const e = suppressedError(`messages[${indexes[k]}].to`, m.toAddress, s.reason);
      rejected.push({ index: indexes[k]!, code: e.code, message: e.message, field: e.field });
    });
    rejected.sort((a, b) => a.index - b.index);
    const results: InsertResult[] = await this.store.insertMessages(keep);
    if (keep.length > 0) this.onQueued();
    return { queued: results.map((r, k) => ({ index: keepIndexes[k]!, id: r.id, duplicate: r.duplicate })), rejected };
  }

  private async prepare(req: SendRequest, apiKeyId: string | null, p: string): Promise<NewMessage> {
    const now = this.clock.now();
    const to = parseMailbox(req.to);
    if (typeof to === 'string') throw fieldError(`${p}to`, to);
    let from = this.opts.defaultFrom;
    if (req.from !== undefined) {
      const f = parseMailbox(req.from);
      if (typeof f === 'string') throw fieldError(`${p}from`, f);
      from = f;
    }
    let replyTo: string | null = null;
    if (req.reply_to !== undefined) {
      const r = parseMailbox(req.reply_to);
      if (typeof r === 'string') throw fieldError(`${p}reply_to`, r);
      replyTo = r.address;
    }
    const headers = req.headers ?? {};
    for (const [name, value] of Object.entries(headers)) {
      const problem = headerProblem(name, value);
      if (problem) throw fieldError(`${p}headers.${name}`, problem);
    }

    let templateId: string | null = null;
    let templateVersion: number | null = null;
    if (req.template_id !== undefined) {
      if (req.subject !== undefined || req.html !== undefined || req.text !== undefined) {
        throw invalid(`${p}template_id`, 'give either template_id or inline subject/html/text, not both');
      }
      const t = await this.templates.current(req.template_id);
      if (!t) throw new AppError('TEMPLATE_NOT_FOUND', `${p}template_id: no template "${req.template_id}"`, { field: `${p}template_id` });
      if (!t.active) throw new AppError('TEMPLATE_INACTIVE', `${p}template_id: template "${req.template_id}" is not active`, { field: `${p}template_id` });
      templateId = t.id;
      templateVersion = t.version;
    } else {
      if (req.subject === undefined) throw invalid(`${p}subject`, 'is required when no template_id is given');
      if (req.html === undefined && req.text === undefined) throw invalid(`${p}html`, 'html or text is required when no template_id is given');
      if (hasLineBreak(req.subject)) throw fieldError(`${p}subject`, 'must not contain CR or LF (header injection)');
      // Inline content is Liquid too: refuse a syntax error now rather than fail at send time.
      this.templates.inline({ subject: req.subject, html: req.html ?? '', text: req.text ?? null }, p);
    }

    if (req.sender_pool !== undefined) {
      if (!this.opts.pools) throw new AppError('POOL_NOT_FOUND', `${p}sender_pool: no sender pools are configured`, { field: `${p}sender_pool` });
      await this.opts.pools.checkForSend(req.sender_pool, `${p}sender_pool`);
    }

    let dueAt = now;
    if (req.send_at !== undefined) {
      dueAt = Date.parse(req.send_at);
      if (dueAt - now > MAX_SCHEDULE_MS) throw invalid(`${p}send_at`, 'must be within a year from now');
    }

    return {
      id: this.nextId(now),
      toAddress: to.address,
      toName: to.name ?? null,
      toDomain: to.domain,
      fromAddress: from.address,
      fromName: from.name ?? null,
      replyTo,
      templateId,
      templateVersion,
      subject: templateId ? null : req.subject!,
      // A text-only inline message has no HTML; it is sent as a single text/plain part.
      html: templateId ? null : req.html ?? null,
      text: templateId ? null : req.text ?? null,
      variables: req.variables ?? {},
      headers,
      tags: req.tags ?? [],
      priority: priorityRank(req.priority ?? 'normal'),
      dueAt,
      idempotencyKey: req.idempotency_key ?? null,
      apiKeyId,
      maxAttempts: this.opts.maxAttempts,
      createdAt: now,
      senderPool: req.sender_pool ?? null,
    };
  }
}

function suppressedError(field: string, address: string, reason: string): AppError {
  return new AppError('RECIPIENT_SUPPRESSED', `${field}: ${address} is suppressed (${reason})`, { field });
}

function fieldError(field: string, problem: string): AppError {
  const code = /CR or LF/.test(problem) ? 'HEADER_INJECTION' : 'VALIDATION_FAILED';
  return new AppError(code, `${field}: ${problem}`, { field });
}
