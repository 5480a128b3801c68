import { monotonicUlid } from './ulid.js';
import { AppError, type ErrorCode } from '../domain/errors.js';
import type { Mailbox } from '../domain/address.js';
import type { Clock } from '../ports/clock.js';
import type { MessageColumns, Store } from '../ports/store.js';
import type { TemplateCatalog, TemplateHead } from './template-catalog.js';
import type { PoolCheck } from './pools.js';
import { draftItem, draftItems, emptyDrafts, parseSendBatch, type BatchParse, type DraftContext, type Drafts, type Rejected } from './send-batch-parse.js';

export type { Rejected } from './send-batch-parse.js';

/** Parses send-batch bodies off the main thread (AcceptThreads): parseSendBatch's outcome, or null when it could not. */
export interface BatchParser {
  parse(body: Uint8Array, now: number): Promise<BatchParse | null>;
}

/** Settings the accept path needs. */
export interface AcceptOptions {
  defaultFrom: Mailbox;
  /** Attempts per message: 1 + retries. */
  maxAttempts: number;
  /** Checks a named sender pool exists and has senders (issue 4); without it, naming a pool is refused. */
  pools?: PoolCheck;
  /** Accept threads; without them every body is parsed on this thread. */
  parser?: BatchParser;
  /** Bodies of at least this many bytes go to the parser (default 64 KiB); smaller ones are parsed here. */
  parserFromBytes?: number;
}

/** The answer for one accepted message. */
export interface Accepted {
  id: string;
  status: 'queued';
  duplicate: boolean;
}

/** The answer for a batch. */
export interface BatchAccepted {
  queued: Array<{ index: number; id: string; duplicate: boolean }>;
  rejected: Rejected[];
}

/**
 * Accepting messages: validate each request (send-batch-parse.ts, on an accept thread for large batches), resolve
 * its template version, check pools and the suppression list, and write the messages in one transaction. When
 * this resolves, the messages are durable; nothing is written when validation fails.
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
    const now = this.clock.now();
    const drafts = emptyDrafts();
    draftItem(body, 0, '', this.context(now), drafts);
    const { columns, rejected } = await this.resolve(drafts, apiKeyId, now, () => '');
    if (rejected.length > 0) throw new AppError(rejected[0]!.code as ErrorCode, rejected[0]!.message, { field: rejected[0]!.field });
    const [res] = await this.store.insertMessageColumns(columns);
    this.onQueued();
    return { id: res!.id, status: 'queued', duplicate: res!.duplicate };
  }

  /** Accept a batch given as items: valid items are stored together, invalid ones reported by index. */
  async sendBatch(items: unknown[], apiKeyId: string | null): Promise<BatchAccepted> {
    const now = this.clock.now();
    const { drafts, rejected } = draftItems(items, this.context(now));
    return this.storeDrafts(drafts, rejected, apiKeyId, now);
  }

  /**
   * Accept a batch from the raw JSON body of POST /emails/send-batch: large bodies are parsed and validated on an
   * accept thread, small ones here, with the same outcome. Throws an AppError when the body as a whole is refused.
   */
  async sendBatchBody(body: Uint8Array, apiKeyId: string | null): Promise<BatchAccepted> {
    const now = this.clock.now();
    const parser = this.opts.parser;
    const threaded = parser && body.byteLength >= (this.opts.parserFromBytes ?? 64 * 1024) ? await parser.parse(body, now) : null;
    const parsed = threaded ?? parseSendBatch(body, this.context(now));
    if (!parsed.ok) throw new AppError(parsed.error.code as ErrorCode, parsed.error.message, { field: parsed.error.field });
    return this.storeDrafts(parsed.drafts, parsed.rejected, apiKeyId, now);
  }

  /** What drafting needs on this thread; an accept thread builds the same from its own template engine. */
  private context(now: number): DraftContext {
    return { now, defaultFrom: this.opts.defaultFrom, checkInline: (src, p) => void this.templates.inline(src, p) };
  }

  private async storeDrafts(drafts: Drafts, invalid: Rejected[], apiKeyId: string | null, now: number): Promise<BatchAccepted> {
    const { columns, rejected, kept } = await this.resolve(drafts, apiKeyId, now, (i) => `messages[${i}].`);
    const all = invalid.length === 0 ? rejected : [...invalid, ...rejected].sort((a, b) => a.index - b.index);
    const results = await this.store.insertMessageColumns(columns);
    if (columns.count > 0) this.onQueued();
    const queued = new Array<{ index: number; id: string; duplicate: boolean }>(results.length);
    for (let j = 0; j < results.length; j++) queued[j] = { index: drafts.index[kept[j]!]!, id: results[j]!.id, duplicate: results[j]!.duplicate };
    return { queued, rejected: all };
  }

  /**
   * The checks that need the store — the template exists and is active (its version is recorded), the sender pool
   * can take messages, the recipient is not suppressed — then ids and the stored columns of the drafts that pass.
   */
  private async resolve(d: Drafts, apiKeyId: string | null, now: number, prefix: (index: number) => string): Promise<{ columns: MessageColumns; rejected: Rejected[]; kept: number[] }> {
    const n = d.index.length;
    const rejected: Rejected[] = [];
    const reject = (k: number, e: AppError) => rejected.push({ index: d.index[k]!, code: e.code, message: e.message, field: e.field });
    const heads = new Map<string, TemplateHead | null>();
    for (const id of d.templateId) if (id !== null && !heads.has(id)) heads.set(id, await this.templates.current(id));
    const version = new Array<number | null>(n);
    let passed: number[] = [];
    for (let k = 0; k < n; k++) {
      const tid = d.templateId[k]!;
      version[k] = null;
      if (tid !== null) {
        const head = heads.get(tid)!;
        const field = `${prefix(d.index[k]!)}template_id`;
        if (!head) {
          reject(k, new AppError('TEMPLATE_NOT_FOUND', `${field}: no template "${tid}"`, { field }));
          continue;
        }
        if (!head.active) {
          reject(k, new AppError('TEMPLATE_INACTIVE', `${field}: template "${tid}" is not active`, { field }));
          continue;
        }
        version[k] = head.version;
      }
      const pool = d.senderPool[k]!;
      if (pool !== null) {
        const field = `${prefix(d.index[k]!)}sender_pool`;
        if (!this.opts.pools) {
          reject(k, new AppError('POOL_NOT_FOUND', `${field}: no sender pools are configured`, { field }));
          continue;
        }
        try {
          await this.opts.pools.checkForSend(pool, field);
        } catch (err) {
          if (!(err instanceof AppError)) throw err;
          reject(k, err);
          continue;
        }
      }
      passed.push(k);
    }
    // Suppressed recipients are refused here, by index, like any invalid item.
    const suppressed = await this.store.findSuppressions(passed.map((k) => d.toAddress[k]!));
    if (suppressed.size > 0) {
      passed = passed.filter((k) => {
        const s = suppressed.get(d.toAddress[k]!.toLowerCase());
        if (!s) return true;
        reject(k, suppressedError(`${prefix(d.index[k]!)}to`, d.toAddress[k]!, s.reason));
        return false;
      });
    }
    rejected.sort((a, b) => a.index - b.index);
    return { columns: this.columns(d, passed, version, apiKeyId, now), rejected, kept: passed };
  }

  /** The stored columns of drafts `kept`, with new ids; the drafts' own arrays when every draft is kept. */
  private columns(d: Drafts, kept: number[], version: Array<number | null>, apiKeyId: string | null, now: number): MessageColumns {
    const m = kept.length;
    const all = m === d.index.length;
    const pick = <T>(a: T[]): T[] => (all ? a : kept.map((k) => a[k]!));
    const id = new Array<string>(m);
    for (let j = 0; j < m; j++) id[j] = this.nextId(now);
    const dueAt = new Array<number>(m);
    for (let j = 0; j < m; j++) dueAt[j] = d.dueAt[all ? j : kept[j]!] ?? now;
    return {
      count: m, id, priority: pick(d.priority), dueAt, maxAttempts: new Array<number>(m).fill(this.opts.maxAttempts),
      toAddress: pick(d.toAddress), toName: pick(d.toName), toDomain: pick(d.toDomain), fromAddress: pick(d.fromAddress), fromName: pick(d.fromName),
      replyTo: pick(d.replyTo), templateId: pick(d.templateId), templateVersion: pick(version), subject: pick(d.subject), html: pick(d.html),
      text: pick(d.text), variables: pick(d.variables), headers: pick(d.headers), tags: pick(d.tags), idempotencyKey: pick(d.idempotencyKey),
      apiKeyId: new Array<string | null>(m).fill(apiKeyId), createdAt: new Array<number>(m).fill(now), senderPool: pick(d.senderPool),
    };
  }
}

function suppressedError(field: string, address: string, reason: string): AppError {
  return new AppError('RECIPIENT_SUPPRESSED', `${field}: ${address} is suppressed (${reason})`, { field });
}
